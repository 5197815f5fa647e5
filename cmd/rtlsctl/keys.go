package main

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"unicode"

	"github.com/hospitalrtls/rtls/rfid"
)

// pskRandomBytes is the entropy of a generated PSK: 24 bytes (192 bits),
// 32 base64url characters.
const pskRandomBytes = 24

// keysUsage lists the keys subcommands.
const keysUsage = "keys reader READER_ID   new reader PSK: prints {\"reader\",\"psk\",\"line\"}, line for --reader-keys\n  rtlsctl " + tokenUsage

// runKeys makes credentials: `keys reader READER_ID` or `keys token ...`.
func runKeys(args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("%w: keys needs a kind (reader or token)", errUsage)
	}
	switch args[0] {
	case "reader":
		return runKeysReader(args[1:], stdout)
	case "token":
		return runKeysToken(args[1:], stdout)
	}
	return fmt.Errorf("%w: unknown key kind %q", errUsage, args[0])
}

// readerKey is what `keys reader` prints.
type readerKey struct {
	Reader string `json:"reader"`
	PSK    string `json:"psk"`  // the key: its bytes are the PSK (coap-client -k takes it as is)
	Line   string `json:"line"` // append to the --reader-keys file
}

func runKeysReader(args []string, stdout io.Writer) error {
	if len(args) != 1 {
		return fmt.Errorf("%w: keys reader takes one READER_ID", errUsage)
	}
	id := args[0]
	if id == "" || strings.IndexFunc(id, func(r rune) bool { return !unicode.IsPrint(r) || unicode.IsSpace(r) }) >= 0 {
		return fmt.Errorf("%w: reader id %q: want printable characters, no spaces", errUsage, id)
	}
	psk, err := newPSK()
	if err != nil {
		return err
	}
	out, err := json.Marshal(readerKey{Reader: id, PSK: psk, Line: rfid.PSKLine(id, psk)})
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "%s\n", out)
	return err
}

// newPSK returns a random printable key: base64url of pskRandomBytes.
func newPSK() (string, error) {
	b := make([]byte, pskRandomBytes)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("cannot read random bytes: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}
