package analytics

import (
	"math"
	"slices"
	"sort"
	"testing"

	"github.com/hospitalrtls/rtls/location/geofence"
)

// The brute force: dwell, transitions and occupancy computed directly from
// the list of visits, independently of the buckets.

func bruteKey(rooms map[string]Room, g Grouping, v geofence.Visit) string {
	switch g {
	case ByCategory:
		return rooms[v.Room].Category
	case ByUnit:
		return rooms[v.Room].Unit
	}
	return v.Room
}

type bruteDwell struct {
	durs []int64
	tags map[string]bool
}

func bruteDwells(d day, s Scope) map[string]*bruteDwell {
	out := map[string]*bruteDwell{}
	for _, v := range d.visits {
		if v.Exit < Hour(s.From) || v.Exit >= s.To || (s.Class != "" && v.Class != s.Class) {
			continue
		}
		k := bruteKey(d.rooms, s.Group, v)
		if out[k] == nil {
			out[k] = &bruteDwell{tags: map[string]bool{}}
		}
		out[k].durs = append(out[k].durs, v.Exit-v.Enter)
		out[k].tags[v.Tag] = true
	}
	return out
}

// exactQuantile is the nearest-rank quantile in seconds.
func exactQuantile(durs []int64, q float64) float64 {
	s := slices.Clone(durs)
	slices.Sort(s)
	rank := max(int(math.Ceil(q*float64(len(s)))), 1)
	return float64(s[rank-1]) / 1000
}

type pair struct{ from, to string }

func bruteTransitions(d day, s Scope) (map[pair]int64, map[pair]map[string]bool) {
	byTag := map[string][]geofence.Visit{}
	for _, v := range d.visits {
		byTag[v.Tag] = append(byTag[v.Tag], v)
	}
	counts, tags := map[pair]int64{}, map[pair]map[string]bool{}
	for tag, vs := range byTag {
		sort.Slice(vs, func(i, j int) bool { return vs[i].Enter < vs[j].Enter })
		for i := 1; i < len(vs); i++ {
			a, b := vs[i-1], vs[i]
			if b.Enter < Hour(s.From) || b.Enter >= s.To || (s.Class != "" && b.Class != s.Class) {
				continue
			}
			p := pair{bruteKey(d.rooms, s.Group, a), bruteKey(d.rooms, s.Group, b)}
			if p.from == p.to {
				continue
			}
			counts[p]++
			if tags[p] == nil {
				tags[p] = map[string]bool{}
			}
			tags[p][tag] = true
		}
	}
	return counts, tags
}

type keyHour struct {
	key  string
	hour int64
}

func bruteOccupancy(d day, s Scope) map[keyHour]map[string]bool {
	out := map[keyHour]map[string]bool{}
	for _, v := range d.visits {
		if s.Class != "" && v.Class != s.Class {
			continue
		}
		// Every hour whose span [h, h+1h) overlaps [Enter, Exit).
		for h := Hour(v.Enter); h < v.Exit || h == Hour(v.Enter); h += HourMs {
			if h < Hour(s.From) || h >= s.To {
				continue
			}
			k := keyHour{bruteKey(d.rooms, s.Group, v), h}
			if out[k] == nil {
				out[k] = map[string]bool{}
			}
			out[k][v.Tag] = true
		}
	}
	return out
}

// withinBin reports whether a reported quantile is within the histogram's
// error of the exact one.
func withinBin(got, want float64) bool {
	if want < 1 {
		return math.Abs(got-want) <= 0.5
	}
	return math.Abs(got-want) <= 0.045*want
}

func scopes(d day) []Scope {
	var out []Scope
	for _, g := range Groupings {
		for _, class := range []string{"", geofence.ClassPatient} {
			out = append(out, Scope{From: d.start + 3*HourMs + 1234, To: d.start + 20*HourMs, Class: class, Group: g})
		}
	}
	return out
}

func TestBruteForce(t *testing.T) {
	d := newDay(300, 60, 7, 1_780_000_000_000-1_780_000_000_000%HourMs)
	fs := d.fields()
	for _, s := range scopes(d) {
		name := string(s.Group) + "/" + s.Class
		t.Run(name, func(t *testing.T) {
			checkDwell(t, d, fs, s)
			checkTransitions(t, d, fs, s)
			checkOccupancy(t, d, fs, s)
		})
	}
}

func checkDwell(t *testing.T, d day, fs Fields, s Scope) {
	want := bruteDwells(d, s)
	got := Dwell(fs, s, 1)
	if len(got) != len(want) {
		t.Fatalf("dwell: %d rows, brute force %d", len(got), len(want))
	}
	var worst float64
	for _, r := range got {
		w := want[r.Key]
		if w == nil || r.Visits != int64(len(w.durs)) || r.DistinctTags != int64(len(w.tags)) {
			t.Fatalf("dwell %s: %+v, brute force %v", r.Key, r, w)
		}
		var sum int64
		for _, x := range w.durs {
			sum += x
		}
		if mean := float64(sum) / float64(len(w.durs)) / 1000; math.Abs(r.MeanS-mean) > 1e-6 {
			t.Errorf("dwell %s: mean %v, brute force %v", r.Key, r.MeanS, mean)
		}
		for _, q := range []struct {
			got, p float64
		}{{r.P50S, 0.5}, {r.P90S, 0.9}} {
			exact := exactQuantile(w.durs, q.p)
			if !withinBin(q.got, exact) {
				t.Errorf("dwell %s: p%v %v, brute force %v", r.Key, q.p*100, q.got, exact)
			}
			if exact >= 1 {
				worst = max(worst, math.Abs(q.got-exact)/exact)
			}
		}
	}
	t.Logf("dwell: %d rows, counts and distinct tags equal, means equal, worst quantile error %.2f%%", len(got), 100*worst)
}

func checkTransitions(t *testing.T, d day, fs Fields, s Scope) {
	counts, tags := bruteTransitions(d, s)
	got := Transitions(fs, s, 1)
	if len(got) != len(counts) {
		t.Fatalf("transitions: %d rows, brute force %d", len(got), len(counts))
	}
	var n int64
	for _, r := range got {
		p := pair{r.From, r.To}
		if r.Count != counts[p] || r.DistinctTags != int64(len(tags[p])) {
			t.Fatalf("transition %v: %d by %d tags, brute force %d by %d", p, r.Count, r.DistinctTags, counts[p], len(tags[p]))
		}
		n += r.Count
	}
	t.Logf("transitions: %d rows, %d moves, all counts and distinct tags equal", len(got), n)
}

func checkOccupancy(t *testing.T, d day, fs Fields, s Scope) {
	want := bruteOccupancy(d, s)
	got := Occupancy(fs, s, 1)
	if len(got) != len(want) {
		t.Fatalf("occupancy: %d rows, brute force %d", len(got), len(want))
	}
	for _, r := range got {
		if w := want[keyHour{r.Key, r.Hour}]; r.DistinctTags != int64(len(w)) {
			t.Fatalf("occupancy %s@%d: %d, brute force %d", r.Key, r.Hour, r.DistinctTags, len(w))
		}
	}
	t.Logf("occupancy: %d rows (key, hour), all distinct-tag counts equal", len(got))
}

func TestSuppression(t *testing.T) {
	d := newDay(300, 60, 7, 1_780_000_000_000-1_780_000_000_000%HourMs)
	fs := d.fields()
	s := Scope{From: d.start, To: d.start + 24*HourMs, Group: ByRoom}
	suppressed := 0
	for _, r := range Occupancy(fs, s, 5) {
		if r.Suppressed {
			suppressed++
			if r.DistinctTags != 0 {
				t.Fatalf("suppressed row carries %d tags", r.DistinctTags)
			}
		} else if r.DistinctTags < 5 {
			t.Fatalf("row of %d tags shown", r.DistinctTags)
		}
	}
	if suppressed == 0 {
		t.Fatal("no row suppressed: the test does not exercise the rule")
	}
	for _, r := range Transitions(fs, s, 5) {
		if r.Suppressed != (r.Count == 0) || (!r.Suppressed && r.DistinctTags < 5) {
			t.Fatalf("transition row %+v", r)
		}
	}
	for _, r := range Dwell(fs, s, 1000) {
		if !r.Suppressed || r.Visits != 0 || r.MeanS != 0 || r.P90S != 0 {
			t.Fatalf("dwell row %+v not suppressed at min 1000", r)
		}
	}
}
