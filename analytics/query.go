package analytics

import (
	"slices"
	"strings"
)

// Scope selects the aggregates a query reads: the buckets of the hours
// overlapping [From, To) (epoch ms; so the range is widened to whole
// hours), the visits of tags of Class ("" for all) at Grouping.
type Scope struct {
	From, To int64
	Class    string
	Group    Grouping
}

// Fields is what a store returns for a list of buckets: each bucket's
// fields and their packed values (see pack.go; a bucket that does not
// exist is absent).
type Fields map[string]map[string]string

// DwellRow is one row of Dwell.
type DwellRow struct {
	Key          string
	Visits       int64
	DistinctTags int64
	MeanS        float64
	P50S, P90S   float64
	Suppressed   bool
}

// TransitionRow is one row of Transitions.
type TransitionRow struct {
	From, To     string
	Count        int64
	DistinctTags int64
	Suppressed   bool
}

// OccupancyRow is one row of Occupancy.
type OccupancyRow struct {
	Key          string
	Hour         int64
	DistinctTags int64
	Suppressed   bool
}

// UtilizationRow is one row of Utilization.
type UtilizationRow struct {
	AssetType, Unit string
	Assets          int64
	InUse           float64
	Available       float64
	Other           float64
	Idle            int64
	Suppressed      bool
}

// cell is a field split into its parts: class, the row keys joined by
// sep, and the part (partCounters, SetTags or SetInUse).
type cell struct {
	class, keys string
	part        byte
}

// splitField splits a field; ok is false for one not of this package.
func splitField(f string) (c cell, ok bool) {
	i := strings.IndexByte(f, sep[0])
	j := strings.LastIndexByte(f, sep[0])
	if i < 0 || j <= i || j != len(f)-2 {
		return cell{}, false
	}
	return cell{class: f[:i], keys: f[i+1 : j], part: f[j+1]}, true
}

// each calls fn for every field of the named buckets whose class matches.
func each(fs Fields, buckets []string, class string, fn func(bucket string, c cell, v string)) {
	for _, b := range buckets {
		for f, v := range fs[b] {
			c, ok := splitField(f)
			if ok && (class == "" || c.class == class) {
				fn(b, c, v)
			}
		}
	}
}

// Dwell returns the dwell rows of the visits that ended in the scope's
// hours, read from fs (which holds the buckets of Buckets(KindDwell,
// s.Group, s.From, s.To)), ordered by key. Rows of fewer than minCount
// distinct tags are suppressed.
func Dwell(fs Fields, s Scope, minCount int) []DwellRow {
	type acc struct {
		n, sum int64
		hist   histogram
		tags   []string
	}
	rows := map[string]*acc{}
	each(fs, Buckets(KindDwell, s.Group, s.From, s.To), s.Class, func(_ string, c cell, v string) {
		r := rows[c.keys]
		if r == nil {
			r = &acc{}
			rows[c.keys] = r
		}
		switch c.part {
		case partCounters:
			eachCounter(v, func(k Counter, x uint64) {
				switch {
				case k == CountVisits:
					r.n += int64(x)
				case k == CountMs:
					r.sum += int64(x)
				case k >= FirstBin:
					r.hist.add(int(k-FirstBin), int64(x))
				}
			})
		case SetTags:
			r.tags = append(r.tags, v)
		}
	})
	var d distinct
	out := make([]DwellRow, 0, len(rows))
	for k, r := range rows {
		row := DwellRow{Key: k}
		if tags := d.count(r.tags); tags < minCount || r.n == 0 {
			row.Suppressed = true
		} else {
			row.Visits, row.DistinctTags = r.n, int64(tags)
			row.MeanS = float64(r.sum) / float64(r.n) / 1000
			row.P50S, row.P90S = r.hist.quantile(0.5, r.n), r.hist.quantile(0.9, r.n)
		}
		out = append(out, row)
	}
	slices.SortFunc(out, func(a, b DwellRow) int { return strings.Compare(a.Key, b.Key) })
	return out
}

// Transitions returns the moves whose second visit began in the scope's
// hours, ordered by from then to. A move is a visit of a tag followed by
// its next visit at another key of the grouping (staying within a
// category or unit is not a move).
func Transitions(fs Fields, s Scope, minCount int) []TransitionRow {
	froms := map[string][]string{} // from -> its moves fields
	each(fs, Buckets(KindTransitions, s.Group, s.From, s.To), s.Class, func(_ string, c cell, v string) {
		if c.part == SetMoves {
			froms[c.keys] = append(froms[c.keys], v)
		}
	})
	var (
		out  []TransitionRow
		ids  = map[string]int{}
		tos  []string
		sets []distinct // per to: the tags seen moving there
		n, m []int      // per to: moves, distinct tags
	)
	for from, vs := range froms {
		clear(ids)
		tos = tos[:0]
		for _, v := range vs {
			eachMove(v, func(to string, tag uint32) {
				i, ok := ids[to]
				if !ok {
					i = len(tos)
					ids[to] = i
					tos = append(tos, to)
					if i == len(sets) {
						sets, n, m = append(sets, distinct{}), append(n, 0), append(m, 0)
					}
					n[i], m[i] = 0, 0
				}
				n[i]++
				if sets[i].set(tag) {
					m[i]++
				}
			})
		}
		for i, to := range tos {
			sets[i].reset()
			row := TransitionRow{From: from, To: to}
			if m[i] < minCount {
				row.Suppressed = true
			} else {
				row.Count, row.DistinctTags = int64(n[i]), int64(m[i])
			}
			out = append(out, row)
		}
	}
	slices.SortFunc(out, func(a, b TransitionRow) int {
		return cmp2(a.From, b.From, a.To, b.To)
	})
	return out
}

// cmp2 compares (a1, a2) with (b1, b2).
func cmp2(a1, b1, a2, b2 string) int {
	if c := strings.Compare(a1, b1); c != 0 {
		return c
	}
	return strings.Compare(a2, b2)
}

// Occupancy returns, per key and hour of the scope, the distinct tags with
// a closed visit overlapping the hour, ordered by key then hour. A bucket
// holds each tag once per class and key, so counting its fields counts
// tags (a tag whose class changed within an hour counts once per class).
func Occupancy(fs Fields, s Scope, minCount int) []OccupancyRow {
	type rowKey struct {
		key    string
		bucket string
	}
	rows := map[rowKey]int64{}
	each(fs, Buckets(KindOccupancy, s.Group, s.From, s.To), s.Class, func(b string, c cell, v string) {
		if c.part == SetTags {
			rows[rowKey{c.keys, b}] += int64(members(v))
		}
	})
	out := make([]OccupancyRow, 0, len(rows))
	for k, n := range rows {
		hour, _ := BucketHour(k.bucket)
		row := OccupancyRow{Key: k.key, Hour: hour}
		if n < int64(minCount) {
			row.Suppressed = true
		} else {
			row.DistinctTags = n
		}
		out = append(out, row)
	}
	slices.SortFunc(out, func(a, b OccupancyRow) int {
		if c := strings.Compare(a.Key, b.Key); c != 0 {
			return c
		}
		return int(max(min(a.Hour-b.Hour, 1), -1))
	})
	return out
}

// UtilizationScope selects the utilization rows: the hours overlapping
// [From, To), assets of Type and Unit ("" for any).
type UtilizationScope struct {
	From, To   int64
	Type, Unit string
}

// Utilization returns, per asset type and unit, the shares of the assets'
// counted time (closed status intervals, see Aggregator.Advance) in the
// scope's hours spent IN_USE, AVAILABLE and otherwise, and the assets
// never IN_USE, ordered by type then unit. fs holds the buckets of
// Buckets(KindUtilization, 0, s.From, s.To).
func Utilization(fs Fields, s UtilizationScope, minCount int) []UtilizationRow {
	type acc struct {
		in, av, ot   int64
		assets, used []string
	}
	rows := map[string]*acc{}
	each(fs, Buckets(KindUtilization, 0, s.From, s.To), "", func(_ string, c cell, v string) {
		typ, unit, _ := strings.Cut(c.keys, sep)
		if (s.Type != "" && typ != s.Type) || (s.Unit != "" && unit != s.Unit) {
			return
		}
		r := rows[c.keys]
		if r == nil {
			r = &acc{}
			rows[c.keys] = r
		}
		switch c.part {
		case partCounters:
			eachCounter(v, func(k Counter, x uint64) {
				switch k {
				case CountInUseMs:
					r.in += int64(x)
				case CountAvailableMs:
					r.av += int64(x)
				case CountOtherMs:
					r.ot += int64(x)
				}
			})
		case SetTags:
			r.assets = append(r.assets, v)
		case SetInUse:
			r.used = append(r.used, v)
		}
	})
	var d distinct
	out := make([]UtilizationRow, 0, len(rows))
	for k, r := range rows {
		typ, unit, _ := strings.Cut(k, sep)
		row := UtilizationRow{AssetType: typ, Unit: unit}
		total := float64(r.in + r.av + r.ot)
		if assets := d.count(r.assets); assets < minCount || total == 0 {
			row.Suppressed = true
		} else {
			row.Assets, row.Idle = int64(assets), int64(assets-d.count(r.used))
			row.InUse, row.Available, row.Other = float64(r.in)/total, float64(r.av)/total, float64(r.ot)/total
		}
		out = append(out, row)
	}
	slices.SortFunc(out, func(a, b UtilizationRow) int { return cmp2(a.AssetType, b.AssetType, a.Unit, b.Unit) })
	return out
}
