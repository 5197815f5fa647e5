// Command rtlsctl is the command-line tool of the RTLS: plan validation,
// offline replay of sightings through the engine, scoring, reader keys,
// and the de-identified analytics of a running rtlsd (CSV export).
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
)

// command is one subcommand: run gets the arguments after its name.
type command struct {
	usage string
	run   func(args []string, stdout io.Writer) error
}

// commands maps a subcommand name to its implementation.
var commands = map[string]command{
	"analytics": {analyticsUsage, runAnalytics},
	"keys":      {keysUsage, runKeys},
	"plan":      {"plan validate PATH...   check floorplan files or directories (one merged plan)", runPlan},
	"replay":    {"replay --floorplan F --sightings S [--out P]   run the engine over sightings", func(args []string, _ io.Writer) error { return runReplay(args) }},
	"score":     {"score --floorplan F --truth T --positions P [--sightings S]   score positions against ground truth", runScore},
}

// errUsage marks an error in the command line (exit status 2).
var errUsage = errors.New("wrong arguments")

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

// run executes the command line and returns the exit status: 0 on
// success, 1 when the command fails, 2 on a usage error.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || commands[args[0]].run == nil {
		fmt.Fprintln(stderr, "usage: rtlsctl COMMAND [ARGS]")
		for _, name := range []string{"plan", "replay", "score", "keys", "analytics"} {
			fmt.Fprintln(stderr, "  rtlsctl "+commands[name].usage)
		}
		return 2
	}
	err := commands[args[0]].run(args[1:], stdout)
	switch {
	case err == nil:
		return 0
	case errors.Is(err, errUsage), errors.Is(err, flag.ErrHelp):
		fmt.Fprintf(stderr, "rtlsctl %s: %v\nusage: rtlsctl %s\n", args[0], err, commands[args[0]].usage)
		return 2
	default:
		fmt.Fprintf(stderr, "rtlsctl %s: %v\n", args[0], err)
		return 1
	}
}
