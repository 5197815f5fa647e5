package sim

import (
	"math"

	"github.com/paulmach/orb"
)

// Random stream salts: each consumer of randomness has its own stream.
const (
	saltTags     = 0x7a6c_0001
	saltReaders  = 0x7a6c_0002
	saltShadow   = 0x7a6c_0003
	saltBatching = 0x7a6c_0004
)

const (
	tagHeightM   = 1.2 // badges at the chest, pumps on a pole
	nearFieldM   = 0.5 // distances below this count as this
	portalRSSI   = -45 // what an RFID portal reports for a read
	portalSigma  = 2.0 // its spread, dB
	adjRangeFrac = 0.5 // readers one level away: this fraction of the range
)

// beacon delivers one packet of tag tg, sent at time at (seconds), to the
// readers that hear it.
func (s *Sim) beacon(tg *tagState, at float64) {
	p := orb.Point{tg.x, tg.y}
	lv := &s.w.levels[tg.level]
	z := lv.elev + tagHeightM
	s.near = s.grids[tg.level].near(p[0], p[1], s.cfg.MaxRangeM, s.near[:0])
	s.hearAll(tg, at, p, z, s.cfg.MaxRangeM, 0)
	for _, l := range lv.adj {
		s.near = s.grids[l].near(p[0], p[1], s.cfg.MaxRangeM*adjRangeFrac, s.near[:0])
		s.hearAll(tg, at, p, z, s.cfg.MaxRangeM*adjRangeFrac, abs(s.w.levels[l].ordinal-lv.ordinal))
	}
	for _, ri := range s.portals[tg.level] {
		rd := &s.readers[ri]
		if rd.inZone(p) && !rd.out.down(at) && tg.rng.Float64() >= s.cfg.PacketLoss {
			s.emit(tg, ri, at, portalRSSI+tg.rng.NormFloat64()*portalSigma)
		}
	}
}

// hearAll tries the link to each reader in s.near within rangeM.
func (s *Sim) hearAll(tg *tagState, at float64, p orb.Point, z, rangeM float64, floors int) {
	for _, ri := range s.near {
		rssi, ok := s.linkRSSI(ri, tg.level, p, z, rangeM, tg.tx, floors)
		if !ok {
			continue
		}
		rssi += s.cfg.ShadowSigmaDB * s.shadow(ri, p)
		rssi += tg.rng.NormFloat64() * s.cfg.NoiseSigmaDB
		if rssi < s.cfg.RxThresholdDBm || tg.rng.Float64() < s.cfg.PacketLoss || s.readers[ri].out.down(at) {
			continue
		}
		s.emit(tg, ri, at, rssi)
	}
}

// linkRSSI returns the mean RSSI at ranging reader ri of a tag at p
// (height z above the site's zero) on level, the reader floors levels
// away, the tag transmitting tx dB above nominal: log-distance path loss
// (no nearer than the near field) less the walls (same level) or floors
// between them, before shadowing and noise. False when the reader is
// farther than rangeM horizontally.
func (s *Sim) linkRSSI(ri int32, level int, p orb.Point, z, rangeM, tx float64, floors int) (float64, bool) {
	rd := &s.readers[ri]
	dx, dy := rd.pos[0]-p[0], rd.pos[1]-p[1]
	d2 := dx*dx + dy*dy
	if d2 > rangeM*rangeM {
		return 0, false
	}
	dz := rd.z - z
	d2 = max(nearFieldM*nearFieldM, d2+dz*dz)
	rssi := rd.at1m - 5*rd.exp*log10Fast(d2) + tx // 10 n log10(d)
	if floors == 0 {
		rssi -= float64(rd.walls(s.walls[level], p, s.cfg.MaxRangeM)) * s.cfg.WallLossDB
	} else {
		rssi -= float64(floors) * s.cfg.FloorLossDB
	}
	return rssi, true
}

// quantize rounds an RSSI to the whole dBm readers report, within their
// range.
func quantize(rssi float64) float64 { return math.Max(-120, math.Min(0, math.Round(rssi))) }

// emit queues a sighting for delivery, late or twice as configured.
func (s *Sim) emit(tg *tagState, ri int32, at, rssi float64) {
	rd := &s.readers[ri]
	rec := record{
		ts:     s.startMS + int64(math.Round((at+rd.skew)*1000)),
		rssi:   quantize(rssi),
		reader: ri,
		tag:    tg.idx,
	}
	delay := tg.rng.Float64() * s.cfg.NetDelayMax.Seconds()
	if tg.rng.Float64() < s.cfg.LateFraction {
		delay += tg.rng.Float64() * s.cfg.MaxLateness.Seconds()
	}
	s.queue.push(msOf(at+delay), rec)
	if tg.rng.Float64() < s.cfg.DupFraction {
		s.queue.push(msOf(at+delay+0.2+1.8*tg.rng.Float64()), rec)
	}
}

// msOf converts sim seconds to sim milliseconds.
func msOf(t float64) int64 { return int64(math.Floor(t * 1000)) }

// shadow returns the reader's shadowing at p, a smooth field with unit
// variance: Gaussian values hashed at the corners of a ShadowCorrM grid,
// blended bilinearly and renormalised.
func (s *Sim) shadow(ri int32, p orb.Point) float64 {
	gx, gy := p[0]/s.cfg.ShadowCorrM, p[1]/s.cfg.ShadowCorrM
	fx, fy := math.Floor(gx), math.Floor(gy)
	ix, iy := int64(fx), int64(fy)
	tx, ty := gx-fx, gy-fy
	w := [4]float64{(1 - tx) * (1 - ty), tx * (1 - ty), (1 - tx) * ty, tx * ty}
	v := w[0]*s.gauss(ri, ix, iy) + w[1]*s.gauss(ri, ix+1, iy) +
		w[2]*s.gauss(ri, ix, iy+1) + w[3]*s.gauss(ri, ix+1, iy+1)
	return v / math.Sqrt(w[0]*w[0]+w[1]*w[1]+w[2]*w[2]+w[3]*w[3])
}

// gauss returns an approximately standard normal value fixed for (reader,
// i, j): the Irwin-Hall sum of four 16-bit uniforms of a hash.
func (s *Sim) gauss(ri int32, i, j int64) float64 {
	h := mix64(s.cfg.Seed ^ saltShadow ^ uint64(ri)<<40 ^ uint64(i)*0x9e3779b97f4a7c15 ^ uint64(j)*0xc2b2ae3d27d4eb4f)
	sum := float64(h&0xffff) + float64(h>>16&0xffff) + float64(h>>32&0xffff) + float64(h>>48)
	return (sum/65536 - 2) / math.Sqrt(4.0/12)
}

// mix64 is the splitmix64 finaliser.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	return x ^ x>>31
}
