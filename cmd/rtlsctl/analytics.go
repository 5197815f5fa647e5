package main

import (
	"context"
	"encoding/csv"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/types/known/timestamppb"

	rtlsv1 "github.com/hospitalrtls/rtls/proto/rtls/v1"
)

// analyticsUsage is the usage line of the analytics command.
const analyticsUsage = "analytics dwell|transitions|occupancy|utilization --grpc-addr A [--from T] [--to T] [--group-by room|category|unit] [--class staff|asset|patient] [--asset-type X] [--unit U] [--csv]   de-identified aggregates from a running rtlsd"

// analyticsFlags are the flags of the analytics command.
type analyticsFlags struct {
	addr, from, to, groupBy, class, assetType, unit string
	csv                                             bool
	timeout                                         time.Duration
}

// runAnalytics asks rtlsd's AnalyticsService one question and prints the
// rows as a table or, with --csv, as CSV with a header line.
func runAnalytics(args []string, stdout io.Writer) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return fmt.Errorf("%w: want dwell, transitions, occupancy or utilization", errUsage)
	}
	what := args[0]
	var f analyticsFlags
	fs := flag.NewFlagSet("analytics "+what, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&f.addr, "grpc-addr", "127.0.0.1:50051", "rtlsd gRPC address")
	fs.StringVar(&f.from, "from", "", "range start, RFC 3339 (default: 24 h before --to)")
	fs.StringVar(&f.to, "to", "", "range end, RFC 3339 (default: now)")
	fs.StringVar(&f.groupBy, "group-by", "room", "room, category or unit")
	fs.StringVar(&f.class, "class", "", "staff, asset or patient (default: all)")
	fs.StringVar(&f.assetType, "asset-type", "", "utilization: only this asset type")
	fs.StringVar(&f.unit, "unit", "", "utilization: only this unit")
	fs.BoolVar(&f.csv, "csv", false, "print CSV with a header line")
	fs.DurationVar(&f.timeout, "timeout", 30*time.Second, "how long to wait for the answer")
	if err := fs.Parse(args[1:]); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	from, to, err := analyticsRange(f.from, f.to, time.Now())
	if err != nil {
		return err
	}
	scope := &rtlsv1.AnalyticsScope{From: timestamppb.New(from), To: timestamppb.New(to)}
	if scope.GroupBy, err = parseGrouping(f.groupBy); err != nil {
		return err
	}
	if f.class != "" {
		c, ok := rtlsv1.TagClass_value[strings.ToUpper(f.class)]
		if !ok {
			return fmt.Errorf("%w: --class: want staff, asset or patient", errUsage)
		}
		scope.TagClass = rtlsv1.TagClass(c)
	}
	conn, err := grpc.NewClient(f.addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return fmt.Errorf("--grpc-addr: %w", err)
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), f.timeout)
	defer cancel()
	header, rows, err := askAnalytics(ctx, rtlsv1.NewAnalyticsServiceClient(conn), what, scope, f)
	if err != nil {
		return err
	}
	return printRows(stdout, f.csv, header, rows)
}

// analyticsRange parses --from and --to.
func analyticsRange(from, to string, now time.Time) (time.Time, time.Time, error) {
	end, start := now, time.Time{}
	var err error
	if to != "" {
		if end, err = time.Parse(time.RFC3339, to); err != nil {
			return start, end, fmt.Errorf("%w: --to: %v", errUsage, err)
		}
	}
	start = end.Add(-24 * time.Hour)
	if from != "" {
		if start, err = time.Parse(time.RFC3339, from); err != nil {
			return start, end, fmt.Errorf("%w: --from: %v", errUsage, err)
		}
	}
	return start, end, nil
}

// parseGrouping parses --group-by.
func parseGrouping(s string) (rtlsv1.Grouping, error) {
	switch strings.ToLower(s) {
	case "room":
		return rtlsv1.Grouping_ROOM, nil
	case "category":
		return rtlsv1.Grouping_CATEGORY, nil
	case "unit":
		return rtlsv1.Grouping_UNIT, nil
	}
	return 0, fmt.Errorf("%w: --group-by: want room, category or unit", errUsage)
}

// askAnalytics calls the RPC named by what and returns its rows as text.
func askAnalytics(ctx context.Context, c rtlsv1.AnalyticsServiceClient, what string, scope *rtlsv1.AnalyticsScope, f analyticsFlags) ([]string, [][]string, error) {
	num := func(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }
	share := func(v float64) string { return strconv.FormatFloat(v, 'f', 3, 64) }
	i64 := func(v int64) string { return strconv.FormatInt(v, 10) }
	var rows [][]string
	switch what {
	case "dwell":
		r, err := c.Dwell(ctx, &rtlsv1.DwellRequest{Scope: scope})
		if err != nil {
			return nil, nil, err
		}
		for _, x := range r.Rows {
			rows = append(rows, []string{x.Key, i64(x.Visits), i64(x.DistinctTags), num(x.MeanS), num(x.P50S), num(x.P90S), strconv.FormatBool(x.Suppressed)})
		}
		return []string{"key", "visits", "distinct_tags", "mean_s", "p50_s", "p90_s", "suppressed"}, rows, nil
	case "transitions":
		r, err := c.Transitions(ctx, &rtlsv1.TransitionsRequest{Scope: scope})
		if err != nil {
			return nil, nil, err
		}
		for _, x := range r.Rows {
			rows = append(rows, []string{x.FromKey, x.ToKey, i64(x.Count), i64(x.DistinctTags), strconv.FormatBool(x.Suppressed)})
		}
		return []string{"from", "to", "count", "distinct_tags", "suppressed"}, rows, nil
	case "occupancy":
		r, err := c.Occupancy(ctx, &rtlsv1.OccupancyRequest{Scope: scope})
		if err != nil {
			return nil, nil, err
		}
		for _, x := range r.Rows {
			rows = append(rows, []string{x.Key, x.Hour.AsTime().UTC().Format(time.RFC3339), i64(x.DistinctTags), strconv.FormatBool(x.Suppressed)})
		}
		return []string{"key", "hour", "distinct_tags", "suppressed"}, rows, nil
	case "utilization":
		r, err := c.Utilization(ctx, &rtlsv1.UtilizationRequest{From: scope.From, To: scope.To, AssetType: f.assetType, UnitId: f.unit})
		if err != nil {
			return nil, nil, err
		}
		for _, x := range r.Rows {
			rows = append(rows, []string{x.AssetType, x.UnitId, i64(x.Assets), share(x.InUseShare), share(x.AvailableShare),
				share(x.OtherShare), i64(x.IdleAssets), strconv.FormatBool(x.Suppressed)})
		}
		return []string{"asset_type", "unit", "assets", "in_use_share", "available_share", "other_share", "idle_assets", "suppressed"}, rows, nil
	}
	return nil, nil, fmt.Errorf("%w: unknown question %q", errUsage, what)
}

// printRows prints a header and rows as CSV or as an aligned table.
func printRows(w io.Writer, asCSV bool, header []string, rows [][]string) error {
	if asCSV {
		cw := csv.NewWriter(w)
		_ = cw.Write(header)
		_ = cw.WriteAll(rows) // flushes; the error is cw.Error
		return cw.Error()
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(header, "\t"))
	for _, r := range rows {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	return tw.Flush()
}
