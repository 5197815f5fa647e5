package alert

import (
	"fmt"
	"testing"
)

// BenchmarkReports measures the detector's cost per sighting carrying a
// button or battery report, over tags reporting once a second.
func BenchmarkReports(b *testing.B) {
	for _, n := range []int{1_000, 50_000} {
		tags := make([]string, n)
		for i := range tags {
			tags[i] = fmt.Sprintf("TAG-%06d", i)
		}
		b.Run(fmt.Sprintf("kind=button/tags=%d", n), func(b *testing.B) {
			d, _ := New(Config{})
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				d.Press(tags[i%n], int64(i/n)*1000)
				i++
			}
		})
		b.Run(fmt.Sprintf("kind=battery/tags=%d", n), func(b *testing.B) {
			d, _ := New(Config{})
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				d.Level(tags[i%n], 100-(i/n)%100, int64(i/n)*1000)
				if i%n == n-1 {
					d.TakeChanged()
				}
				i++
			}
		})
	}
}
