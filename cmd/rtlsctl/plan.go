package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/hospitalrtls/rtls/floorplans"
)

// runPlan runs "plan validate PATH...": it loads the paths as one plan
// (floorplans.LoadPaths) and prints each problem on its own line, or a
// one-line summary when there is none.
func runPlan(args []string, stdout io.Writer) error {
	if len(args) < 2 || args[0] != "validate" {
		return errUsage
	}
	plan, err := floorplans.LoadPaths(args[1:])
	var ve *floorplans.ValidationError
	if errors.As(err, &ve) {
		for _, p := range ve.Problems {
			fmt.Fprintln(stdout, p.String())
		}
		return fmt.Errorf("%d problem(s)", len(ve.Problems))
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "ok: %d levels, %d rooms, %d doors, %d readers, %d zones\n",
		len(plan.Levels), len(plan.Rooms), len(plan.Doors), len(plan.Readers), len(plan.Zones))
	return nil
}
