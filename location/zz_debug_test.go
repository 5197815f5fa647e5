//go:build !race

package location_test

import (
	"fmt"
	"math"
	"sync"
	"testing"

	"github.com/hospitalrtls/rtls/internal/sim"
	"github.com/hospitalrtls/rtls/location"
)

func TestZZMoving(t *testing.T) {
	var mu sync.Mutex
	mv := map[string]map[int64]float64{}
	location.DebugMoving = func(tag string, ts int64, m float64) {
		mu.Lock()
		if mv[tag] == nil {
			mv[tag] = map[int64]float64{}
		}
		mv[tag][ts] = m
		mu.Unlock()
	}
	defer func() { location.DebugMoving = nil }()
	for _, m := range sim.Family()[:9] {
		mv = map[string]map[int64]float64{}
		plan, ss, truth, err := m.Run()
		if err != nil {
			t.Fatal(err)
		}
		eng := newEngine(t, plan, location.Defaults())
		replay(eng, ss)
		type tp struct{ x, y float64 }
		tr := map[string]map[int64]tp{}
		for _, r := range truth {
			if tr[r.Tag] == nil {
				tr[r.Tag] = map[int64]tp{}
			}
			tr[r.Tag][r.TS/1000] = tp{r.X, r.Y}
		}
		var hs, hm [11]int
		for tag, ms := range mv {
			for ts, v := range ms {
				a, ok1 := tr[tag][ts/1000-5]
				b, ok2 := tr[tag][ts/1000]
				if !ok1 || !ok2 {
					continue
				}
				k := int(math.Min(10, v*10))
				if math.Hypot(a.x-b.x, a.y-b.y) < 0.2 {
					hs[k]++
				} else {
					hm[k]++
				}
			}
		}
		fmt.Println(m.Name, "still", hs, "moving", hm)
	}
}
