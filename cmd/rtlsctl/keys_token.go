package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"

	"github.com/hospitalrtls/rtls/auth"
)

// tokenUsage is the usage of `keys token`.
const tokenUsage = "keys token --subject S --role R [--unit U ...] [--class C ...]   new API token: prints {\"token\",\"line\"}, line for --tokens"

// tokenKey is what `keys token` prints.
type tokenKey struct {
	Token string `json:"token"` // give to the client (authorization: Bearer <token>); rtlsd never stores it
	Line  string `json:"line"`  // append to the --tokens file (holds the token's SHA-256 only)
}

// runKeysToken makes an API token: `keys token --subject S --role R ...`.
func runKeysToken(args []string, stdout io.Writer) error {
	var p auth.Principal
	var role string
	fs := flag.NewFlagSet("keys token", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&p.Subject, "subject", "", "who the token is for (a user or system id; goes to the audit log)")
	fs.StringVar(&role, "role", "", "admin, biomed, nurse, facilities or integration")
	fs.Func("unit", "a unit whose people the bearer sees (nurse, integration; repeatable)", func(v string) error {
		p.Units = append(p.Units, v)
		return nil
	})
	fs.Func("class", "a tag class an integration sees: asset, staff or patient (repeatable; default asset)", func(v string) error {
		c := auth.Class(v)
		if c != auth.Asset && c != auth.Staff && c != auth.Patient {
			return fmt.Errorf("want asset, staff or patient")
		}
		p.Classes = append(p.Classes, c)
		return nil
	})
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	if p.Subject == "" {
		return fmt.Errorf("%w: --subject is required", errUsage)
	}
	r, err := auth.ParseRole(role)
	if err != nil {
		return fmt.Errorf("%w: --role: %v", errUsage, err)
	}
	p.Role = r
	if r == auth.Nurse && len(p.Units) == 0 {
		return fmt.Errorf("%w: a nurse token needs --unit (the units whose patients and staff it sees)", errUsage)
	}
	tok, line, err := auth.NewToken(p)
	if err != nil {
		return err
	}
	out, err := json.Marshal(tokenKey{Token: tok, Line: line})
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "%s\n", out)
	return err
}
