package location

import (
	"math"
	"slices"
)

// learn nudges each reader's RSSI offset towards what it reported
// (online self-calibration). Reader j's residual (observed minus modelled
// RSSI, clipped to ±2σ so one outlier moves little) is taken at a fix
// computed from this epoch's other readings only, not at the tag's
// estimate: the estimate is pulled towards a miscalibrated reader by that
// reader's own readings, now and through the particles' history, so a
// residual taken there understates the reader's error and learning settles
// on offsets that agree with the biased positions they caused. The fix's
// random error does little harm (it averages out in the buckets); its
// correlation with the reader's own reading is what must be avoided.
//
// The fix is the likelihood-weighted mean of a grid of walkable points
// (learnStepM apart, within learnRadiusM of the estimate, a flat prior),
// scored with the same radio model as the particles. Reader j's model at
// the fix takes the walls between them as expected over the grid (the
// count differs across a room's walls). estimate calls it on the epochs
// learnsAt picks (every epoch whose room is clear, every third otherwise):
// the fix needs no accurate estimate, and the walls a tag in a doorway may
// lie behind are taken as expected over the grid. Only readers of the
// tag's level take part; with fewer than learnMinOthers other readers the
// fix is too loose to judge one.
func (e *Engine) learn(ranging []obs, end int64, x, y float64, level int) {
	s := e.site
	cfg := &e.cfg
	tz := s.levels[level].elev + cfg.TagHeightM
	rd := e.appendHeard(e.like.rd[:0], ranging, level, end)
	e.like.rd = rd
	if len(rd) < learnMinOthers+1 {
		return
	}
	// likelihood of each reading at each grid point (and the walls between
	// them), and of all readings
	rad := e.cal.radio.at(end)
	eps := cfg.outlierFloor(rad.sigma)
	cells := e.like.cells[:0]
	for _, d := range learnGrid {
		cx, cy := x+d[0], y+d[1]
		if room, ok := s.walkable(level, cx, cy); ok {
			cells = append(cells, learnCell{x: cx, y: cy, room: int16(room), l: 1})
		}
	}
	n := len(cells)
	lik, nw := e.like.gridBufs(n * len(rd))
	e.like.cells = cells
	for j := range rd {
		e.gridLik(&rd[j], cells, tz, eps, lik[j*n:], nw[j*n:])
	}
	pw := e.like.pw[:0]
	for range rad.WallLossDB {
		pw = append(pw, 0)
	}
	e.like.pw = pw
	for j := range rd {
		r := &rd[j]
		var sw, sx, sy, s2 float64
		clear(pw)
		for c := range cells {
			w := cells[c].l / lik[j*n+c] // every reading but j's
			sw += w
			sx += w * cells[c].x
			sy += w * cells[c].y
			s2 += w * (cells[c].x*cells[c].x + cells[c].y*cells[c].y)
			pw[nw[j*n+c]] += w
		}
		if !(sw > 0) {
			continue
		}
		fx, fy := sx/sw, sy/sw
		dx, dy, dz := fx-r.x, fy-r.y, tz-r.z
		walls := 0.0 // expected loss over the walls the fix may lie behind
		for k := range pw {
			pw[k] /= sw
			walls += pw[k] * r.wl[k]
		}
		spread2 := math.Max(0, s2/sw-fx*fx-fy*fy)
		e.observe(r, end, math.Max(dx*dx+dy*dy+dz*dz, 0.09), spread2, pw, walls, rad)
	}
	e.learnSilences(ranging, end, x, y, level, rad)
}

// learnSilences judges, for a tag placed at (x, y) on an epoch that
// teaches the calibration (learnsAt), every ranging reader of its level
// near it that the model expects to hear it: heard or silent, against the
// chance the model gives its signal of falling below the sensitivity. They
// teach the radio its miss probability.
func (e *Engine) learnSilences(ranging []obs, end int64, x, y float64, level int, rad *Radio) {
	s := e.site
	cfg := &e.cfg
	if cfg.FixedRadio {
		return
	}
	room, ok := s.walkable(level, x, y)
	if !ok {
		return
	}
	tz := s.levels[level].elev + cfg.TagHeightM
	for _, ri := range s.levels[level].readers {
		r := &s.readers[ri]
		dx, dy, dz := r.x-x, r.y-y, r.z-tz
		if !r.ranging || dx*dx+dy*dy > silentRadius*silentRadius {
			continue
		}
		term := e.term(ri, end)
		mu := term.a - term.n5*math.Log10(math.Max(dx*dx+dy*dy+dz*dz, 0.09)) - term.wl[r.wallsBetween(level, x, y, room)]
		if mu < cfg.SensitivityDBm {
			continue // the likelihood takes no evidence from its silence either
		}
		silent := !slices.ContainsFunc(ranging, func(o obs) bool { return o.reader == ri })
		e.cal.radio.observeSilence(end, silent, normalCDF((cfg.SensitivityDBm-mu)/rad.sigma))
	}
}

// observe feeds one reading of reader term r, judged at squared distance
// d2 from the reader with pw[k] the probability of k walls between them
// (expected loss walls), to what is learned: the reader's offset and the
// building's radio.
func (e *Engine) observe(r *readerTerm, t int64, d2, spread2 float64, pw []float64, walls float64, rad *Radio) {
	cfg := &e.cfg
	sigma := rad.sigma
	mu := r.a - r.n5*math.Log10(d2) - walls
	res := r.rssi - mu
	e.cal.add(r.reader, t, math.Max(-2*sigma, math.Min(2*sigma, res)))
	// The radio learns only from readings the model expects well above the
	// receiver's sensitivity: near it, only the readings that happened to
	// be strong are heard, and learning from them would flatten the
	// exponent and the wall loss.
	if cfg.FixedRadio || mu < cfg.SensitivityDBm+radioMarginSigmas*sigma || math.Abs(res) > radioClipSigmas*sigma {
		return
	}
	l10 := 0.5 * math.Log10(d2)
	u := -10 * (l10 - radioLogD0)
	// A loose fix, or one near the reader, makes the log distance a poor
	// regressor: its error flattens the learned exponent (regression
	// dilution). Such readings still teach the walls and σ.
	if spread2 > radioTightFixM*radioTightFixM || d2 < radioMinDistM*radioMinDistM {
		u = 0
	}
	e.cal.radio.observe(t, radioObs{
		y:  r.rssi - r.a + 10*r.sr.n*l10,
		u:  u,
		pw: pw,
		w:  1 / readingVar(r.samples),
	})
}

const (
	// radioMarginSigmas: a reading teaches the radio model only where the
	// model expects it this many σ above the receiver's sensitivity.
	radioMarginSigmas = 1.5
	// radioClipSigmas: readings further than this from the model are
	// outliers, not evidence about the building.
	radioClipSigmas = 3.0
	// radioTightFixM and radioMinDistM: the exponent is learned from fixes
	// whose spread (RMS, m) is below radioTightFixM, at least radioMinDistM
	// from the reader.
	radioTightFixM = 1.5
	radioMinDistM  = 3.0
)

// learnsAt tells whether an epoch ending at end, whose reported room has
// probability prob, teaches the calibration (learn): every epoch whose
// room is clear, and every learnEveryEpochs-th epoch of event time
// whatever the room's probability. Learning only where the room was clear
// starved the buildings that need it most: with one reader per two or
// three rooms and 5-9 dB shadowing a room is rarely clear (83 such epochs
// in 15 minutes on the family's harsh ward, against 4,700 on a ward with a
// reader per room), so the readers' offsets (up to ±8 dB there) were
// hardly learned. The leave-one-reader-out fix needs no clear room: it is
// computed from the readings, and the walls it may lie behind are taken as
// expected over its grid. Learning on every epoch regardless of the room,
// or on every third only, cost the open-plan member of the family 2 m of
// p90 (docs/accuracy.md); clear rooms keep teaching on every epoch.
func (e *Engine) learnsAt(tag string, prob float64, end int64) bool {
	return e.cfg.Calibrate && (prob > learnClearRoom || (floorDiv(end, e.cfg.EpochMS)+int64(learnPhase(tag)))%learnEveryEpochs == 0)
}

// learnPhase spreads the tags over the learnEveryEpochs phases (FNV-1a of
// the id), so that a barrier does not buffer every tag's observations at
// once.
func learnPhase(tag string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(tag); i++ {
		h = (h ^ uint32(tag[i])) * 16777619
	}
	return h % learnEveryEpochs
}

const (
	// learnClearRoom is the room probability above which every epoch
	// teaches the calibration.
	learnClearRoom = 0.9
	// learnEveryEpochs: one epoch in this many (of event time) teaches it
	// whatever the room's probability.
	learnEveryEpochs = 3
)

// learnFromReader calibrates reader rx from its sighting of reader tx, a
// fixed transmitter at a known place (a gateway that also beacons, or a
// reference beacon on the plan): no position has to be estimated, so the
// residual is free of the self-consistency of learning from tracked tags.
// It assumes tx transmits like a tag, which averages out over several
// transmitters. Pairs on different levels or outside ranging are ignored.
func (e *Engine) learnFromReader(rx, tx int, ts int64, rssi float64) {
	s := e.site
	r, f := &s.readers[rx], &s.readers[tx]
	if !r.ranging || rx == tx || r.level != f.level {
		return
	}
	d2 := math.Max((f.x-r.x)*(f.x-r.x)+(f.y-r.y)*(f.y-r.y)+(f.z-r.z)*(f.z-r.z), 0.09)
	rad := e.cal.radio.at(ts)
	term := e.term(rx, ts)
	term.rssi, term.samples = rssi, 1
	pw := make([]float64, len(rad.WallLossDB))
	w := r.wallsBetween(f.level, f.x, f.y, f.room)
	pw[w] = 1
	e.observe(&term, ts, d2, 0, pw, rad.WallLossDB[w], rad)
}

// learnCell is one point of the grid learn scores: its position, room and
// the likelihood of all the epoch's readings there.
type learnCell struct {
	x, y float64
	room int16
	l    float64
}

const (
	// learnRadiusM and learnStepM shape the grid on which learn computes a
	// fix without the reader being calibrated: wide enough to hold the tag
	// when the estimate is off by a few meters, fine enough that the
	// likelihood-weighted mean is not snapped to grid points. 2 m (49
	// points; 1.5 m and 89 points until learning ran on every third epoch
	// too) keeps learning's cost per update where it was and did no worse
	// on the family and the data sets (docs/accuracy.md).
	learnRadiusM = 8.0
	learnStepM   = 2.0
	// learnMinOthers is the number of other readers a fix needs before it
	// is used to judge one reader.
	learnMinOthers = 2
)

// learnGrid holds the offsets from the estimate of learn's grid points.
var learnGrid = func() [][2]float64 {
	var g [][2]float64
	n := int(math.Floor(learnRadiusM / learnStepM))
	for i := -n; i <= n; i++ {
		for j := -n; j <= n; j++ {
			dx, dy := float64(i)*learnStepM, float64(j)*learnStepM
			if dx*dx+dy*dy <= learnRadiusM*learnRadiusM {
				g = append(g, [2]float64{dx, dy})
			}
		}
	}
	return g
}()

// maxOffsetDB bounds the learned offset: a reader further off than this
// from its nominal calibration is broken, not miscalibrated.
const maxOffsetDB = 10

// LearnedRadio returns the building's radio model as learned so far.
func (e *Engine) LearnedRadio() Radio {
	r := *e.cal.radio.latest()
	r.WallLossDB = slices.Clone(r.WallLossDB)
	return r
}

// Calibration returns the learned RSSI offset of each reader from its
// nominal model, in dB.
func (e *Engine) Calibration() map[string]float64 {
	out := make(map[string]float64, len(e.site.readers))
	for i, r := range e.site.readers {
		out[r.id] = e.cal.latest(i)
	}
	return out
}
