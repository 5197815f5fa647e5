package load

import (
	"strings"
	"testing"
)

// TestMixReports: after the ramp-up, every moving tag is reported every
// second and every still tag once in five, each report heard by 3-8
// readers (fewer only where fewer are in range), in batches of 50-200
// sightings (a reader's last batch of a second may be smaller).
func TestMixReports(t *testing.T) {
	const moving, still, ramp = 40, 160, 3
	m, err := newMix(clinic(t), moving, still, "M-", "S-", 50, 200, ramp, 1)
	if err != nil {
		t.Fatal(err)
	}
	reports := map[string]int{}   // tag -> seconds it was reported, after the ramp
	perReport := map[string]int{} // tag -> sightings of its last report
	for sec := range ramp + 2*stillPeriod {
		batches, err := m.second(sec, int64(sec)*1000)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]int{}
		readers := map[string]int{} // reader -> batches smaller than 50 this second
		for _, b := range batches {
			if len(b.Sightings) > 200 {
				t.Fatalf("second %d: batch of %d sightings", sec, len(b.Sightings))
			}
			if len(b.Sightings) < 50 {
				if readers[b.Reader]++; readers[b.Reader] > 1 {
					t.Fatalf("second %d: reader %s sent two batches under 50", sec, b.Reader)
				}
			}
			for _, s := range b.Sightings {
				if s.TS != int64(sec)*1000 {
					t.Fatalf("sighting stamped %d in second %d", s.TS, sec)
				}
				seen[s.Tag]++
			}
		}
		if sec < ramp {
			continue
		}
		for tag, n := range seen {
			reports[tag]++
			perReport[tag] = n
		}
	}
	for tag, n := range reports {
		want := 2 // still: once in five seconds, over ten
		if strings.HasPrefix(tag, "M-") {
			want = 2 * stillPeriod
		}
		if n != want {
			t.Errorf("tag %s reported in %d seconds, want %d", tag, n, want)
		}
		if k := perReport[tag]; k < 1 || k > maxHeard {
			t.Errorf("tag %s heard by %d readers", tag, k)
		}
	}
	if len(reports) != moving+still {
		t.Errorf("%d tags reported after the ramp-up, want %d", len(reports), moving+still)
	}
}

// TestMixRampUp: during the ramp-up, tags appear evenly; each appears with
// a report, whatever its phase.
func TestMixRampUp(t *testing.T) {
	const moving, still, ramp = 100, 400, 10
	m, err := newMix(clinic(t), moving, still, "M-", "S-", 50, 200, ramp, 1)
	if err != nil {
		t.Fatal(err)
	}
	appeared := map[string]bool{}
	for sec := range ramp {
		batches, err := m.second(sec, int64(sec)*1000)
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range batches {
			for _, s := range b.Sightings {
				appeared[s.Tag] = true
			}
		}
		if want := (sec + 1) * (moving + still) / ramp; len(appeared) != want {
			t.Errorf("after second %d: %d tags appeared, want %d", sec, len(appeared), want)
		}
	}
}

func TestPerTagRate(t *testing.T) {
	// 5.5 readers per report; 20% at 1 Hz, 80% at 0.2 Hz: 0.36 reports/s.
	if got := perTagRate(0.2); got < 1.979 || got > 1.981 {
		t.Errorf("perTagRate(0.2) = %v, want 1.98", got)
	}
}
