package rfid

import (
	"bufio"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// PSK length limits in bytes. 16 bytes is the least RFC 7925 asks of a
// PSK for CoAP; libcoap's coap-client takes keys up to 64 bytes with -k.
const (
	MinPSKLen = 16
	MaxPSKLen = 64
)

// credentialLine is one line of a reader keys file. Exactly one of Reader
// (with PSK), CA, or Cert (with Key) is set.
type credentialLine struct {
	// Reader is the reader id the PSK authenticates: the PSK identity the
	// reader sends in its handshake.
	Reader string `json:"reader,omitempty"`
	// PSK is the key; its bytes (UTF-8) are the key itself.
	PSK string `json:"psk,omitempty"`
	// CA is a PEM file of the certificate authorities that sign reader
	// certificates.
	CA string `json:"ca,omitempty"`
	// Cert and Key are PEM files of the certificate the server presents to
	// readers that authenticate with certificates.
	Cert string `json:"cert,omitempty"`
	Key  string `json:"key,omitempty"`
}

// Credentials are what the DTLS listener accepts readers with: per-reader
// pre-shared keys and the CA that signs reader certificates (with the
// certificate the server presents to those readers). A Credentials value
// is immutable; reloading builds a new one.
type Credentials struct {
	psk  map[string][]byte // reader id -> key
	ca   *x509.CertPool    // nil: certificates not accepted
	cert *tls.Certificate  // the server's certificate, set with ca
}

// PSKLine is the reader keys file line giving reader its pre-shared key
// psk; `rtlsctl keys reader` prints it.
func PSKLine(reader, psk string) string {
	b, _ := json.Marshal(credentialLine{Reader: reader, PSK: psk})
	return string(b)
}

// LoadCredentials reads a reader keys file: JSON lines, one object each,
// blank lines and lines starting with # ignored.
//
//	{"reader":"R-L0-S03","psk":"Jx0v2kq4S3o9dGZ1LwYpN6aUe8cHbRtM"}
//	{"ca":"readers-ca.pem"}
//	{"cert":"dtls-server.pem","key":"dtls-server-key.pem"}
//
// A "reader" line gives a reader's pre-shared key (PSK identity = reader
// id); a "ca" line a PEM bundle of CAs whose certificates identify readers
// (reader id in the subject CN, or in the only DNS SAN when CN is empty);
// the "cert"/"key" line the certificate the server presents to those
// readers (required with "ca"). Relative paths are taken from the keys
// file's directory. Errors name the line.
func LoadCredentials(path string) (*Credentials, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCredentials, err)
	}
	defer f.Close()
	c, err := ParseCredentials(f, filepath.Dir(path))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// ParseCredentials reads a reader keys file (see LoadCredentials) from r,
// taking relative paths from dir.
func ParseCredentials(r io.Reader, dir string) (*Credentials, error) {
	c := &Credentials{psk: map[string][]byte{}}
	var certFile, keyFile string
	var cas [][]byte
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		var l credentialLine
		dec := json.NewDecoder(strings.NewReader(text))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&l); err != nil {
			return nil, fmt.Errorf("%w: line %d: %w", ErrCredentials, n, err)
		}
		switch {
		case l.Reader != "" && l.CA == "" && l.Cert == "" && l.Key == "":
			if err := c.addPSK(l.Reader, l.PSK); err != nil {
				return nil, fmt.Errorf("%w: line %d: %w", ErrCredentials, n, err)
			}
		case l.CA != "" && l.Reader == "" && l.PSK == "" && l.Cert == "" && l.Key == "":
			pem, err := os.ReadFile(resolve(dir, l.CA))
			if err != nil {
				return nil, fmt.Errorf("%w: line %d: ca: %w", ErrCredentials, n, err)
			}
			cas = append(cas, pem)
		case l.Cert != "" && l.Key != "" && l.Reader == "" && l.PSK == "" && l.CA == "":
			if certFile != "" {
				return nil, fmt.Errorf("%w: line %d: second cert line", ErrCredentials, n)
			}
			certFile, keyFile = resolve(dir, l.Cert), resolve(dir, l.Key)
		default:
			return nil, fmt.Errorf("%w: line %d: want {reader, psk}, {ca} or {cert, key}", ErrCredentials, n)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCredentials, err)
	}
	if err := c.setCA(cas, certFile, keyFile); err != nil {
		return nil, err
	}
	if len(c.psk) == 0 && c.ca == nil {
		return nil, fmt.Errorf("%w: no reader keys and no CA", ErrCredentials)
	}
	return c, nil
}

func (c *Credentials) addPSK(reader, psk string) error {
	reader = normaliseID(reader)
	switch {
	case reader == "":
		return fmt.Errorf("empty reader id")
	case len(psk) < MinPSKLen || len(psk) > MaxPSKLen:
		return fmt.Errorf("reader %s: psk of %d bytes, want %d to %d", reader, len(psk), MinPSKLen, MaxPSKLen)
	case c.psk[reader] != nil:
		return fmt.Errorf("reader %s: second key", reader)
	}
	c.psk[reader] = []byte(psk)
	return nil
}

func (c *Credentials) setCA(cas [][]byte, certFile, keyFile string) error {
	switch {
	case len(cas) == 0 && certFile == "":
		return nil
	case len(cas) == 0:
		return fmt.Errorf("%w: cert line without a ca line", ErrCredentials)
	case certFile == "":
		return fmt.Errorf("%w: ca line without a cert line (the certificate the server presents)", ErrCredentials)
	}
	c.ca = x509.NewCertPool()
	for _, pem := range cas {
		if !c.ca.AppendCertsFromPEM(pem) {
			return fmt.Errorf("%w: ca: no PEM certificate", ErrCredentials)
		}
	}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return fmt.Errorf("%w: cert: %w", ErrCredentials, err)
	}
	c.cert = &cert
	return nil
}

// Readers returns how many readers have a pre-shared key.
func (c *Credentials) Readers() int { return len(c.psk) }

// AcceptsCertificates reports whether reader certificates are accepted (a
// CA is configured).
func (c *Credentials) AcceptsCertificates() bool { return c.ca != nil }

// key returns the pre-shared key of reader, nil when it has none.
func (c *Credentials) key(reader string) []byte { return c.psk[reader] }

// verify checks a reader's certificate chain (leaf first) against the CA
// and returns the reader id it names.
func (c *Credentials) verify(chain []*x509.Certificate) (string, error) {
	if c.ca == nil {
		return "", fmt.Errorf("%w: certificates not accepted", ErrCredentials)
	}
	if len(chain) == 0 {
		return "", fmt.Errorf("%w: no certificate", ErrCredentials)
	}
	inter := x509.NewCertPool()
	for _, ic := range chain[1:] {
		inter.AddCert(ic)
	}
	opts := x509.VerifyOptions{Roots: c.ca, Intermediates: inter, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	if _, err := chain[0].Verify(opts); err != nil {
		return "", fmt.Errorf("%w: %w", ErrCredentials, err)
	}
	return certReader(chain[0])
}

// certReader is the reader id a certificate names: its subject CN, or its
// only DNS SAN when the CN is empty.
func certReader(cert *x509.Certificate) (string, error) {
	if id := normaliseID(cert.Subject.CommonName); id != "" {
		return id, nil
	}
	if len(cert.DNSNames) == 1 {
		if id := normaliseID(cert.DNSNames[0]); id != "" {
			return id, nil
		}
	}
	return "", fmt.Errorf("%w: certificate names no reader (subject CN or one DNS SAN)", ErrCredentials)
}

// stillValid reports whether a session that authenticated as p would be
// accepted under c.
func (c *Credentials) stillValid(p peer) bool {
	if p.chain != nil {
		id, err := c.verify(p.chain)
		return err == nil && id == p.reader
	}
	k := c.key(p.reader)
	return k != nil && sha256.Sum256(k) == p.keySum
}

func resolve(dir, p string) string {
	if filepath.IsAbs(p) || dir == "" {
		return p
	}
	return filepath.Join(dir, p)
}
