package floorplans

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"
)

// gridPlan returns a level of n x n rooms, each 5 x 5 m with 0.2 m walls.
func gridPlan(b *testing.B, n int) []byte {
	size := float64(n) * 5.2
	feats := []string{feat(`"type":"level","id":"L0","name":"g","ordinal":0`, poly(fmtRing(0, 0, size, size)))}
	for i := range n {
		for j := range n {
			x, y := float64(i)*5.2, float64(j)*5.2
			feats = append(feats, feat(fmt.Sprintf(`"type":"room","id":"R%d-%d","name":"r","level":"L0","category":"x"`, i, j),
				poly(fmtRing(x, y, x+5, y+5))))
		}
	}
	return collection(feats...)
}

func BenchmarkParse(b *testing.B) {
	for _, n := range []int{10, 30} {
		data := gridPlan(b, n)
		b.Run(fmt.Sprintf("rooms=%d", n*n), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if _, err := Parse(data, "bench"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkRoomAt(b *testing.B) {
	for _, n := range []int{4, 30, 100} {
		p, err := Parse(gridPlan(b, n), "bench")
		if err != nil {
			b.Fatal(err)
		}
		rng := rand.New(rand.NewPCG(1, 2))
		size := float64(n) * 5.2
		pts := make([]orb.Point, 1024)
		for i := range pts {
			pts[i] = orb.Point{rng.Float64() * size, rng.Float64() * size}
		}
		b.Run(fmt.Sprintf("rooms=%d", n*n), func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				p.RoomAt("L0", pts[i%len(pts)])
				i++
			}
		})
	}
}

func BenchmarkNearestPointInRoom(b *testing.B) {
	p, err := Parse(gridPlan(b, 4), "bench")
	if err != nil {
		b.Fatal(err)
	}
	r, _ := p.Room("R1-1")
	b.ReportAllocs()
	for b.Loop() {
		NearestPointInRoom(r, orb.Point{12, 7.1})
	}
}
