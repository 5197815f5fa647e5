package main

import (
	"flag"
	"fmt"
	"io"

	"github.com/hospitalrtls/rtls/floorplans"
	"github.com/hospitalrtls/rtls/internal/score"
)

// runScore runs "score": it joins truth rows with positions as
// tools/rtls-score does and prints the same summary line, plus the
// weighted-centroid and strongest-reader baselines' when --sightings is given. Inputs may be
// plain or gzip JSON Lines.
func runScore(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("score", flag.ContinueOnError)
	var plans multiFlag
	fs.Var(&plans, "floorplan", "floorplan GeoJSON file or directory (repeatable)")
	truthPath := fs.String("truth", "", "ground truth JSON Lines file (.gz allowed)")
	posPath := fs.String("positions", "", "positions JSON Lines file (.gz allowed)")
	sightPath := fs.String("sightings", "", "sightings JSON Lines file: also score the weighted-centroid and strongest-reader baselines")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if len(plans) == 0 || *truthPath == "" || *posPath == "" || fs.NArg() > 0 {
		return fmt.Errorf("%w: --floorplan, --truth and --positions are required", errUsage)
	}
	plan, err := floorplans.LoadPaths(plans)
	if err != nil {
		return err
	}
	truth, err := score.ReadTruthFile(*truthPath)
	if err != nil {
		return err
	}
	positions, err := score.ReadPositionsFile(*posPath)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, score.Score(plan, truth, positions).Line("engine"))
	if *sightPath == "" {
		return nil
	}
	sightings, err := score.ReadSightingsFile(*sightPath)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, score.Baseline(plan, sightings, truth).Line("baseline_centroid"))
	fmt.Fprintln(stdout, score.BaselineStrongest(plan, sightings, truth).Line("baseline_strongest"))
	return nil
}
