package rfid

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"log/slog"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/plgd-dev/go-coap/v3/message"
	"github.com/plgd-dev/go-coap/v3/message/codes"

	"github.com/hospitalrtls/rtls/location"
)

// request is one CoAP request with what the resources need of it; it
// carries nothing of the transport (UDP or DTLS) it came over.
type request struct {
	method    codes.Code
	path      string
	format    message.MediaType
	hasFormat bool
	accept    message.MediaType
	hasAccept bool
	body      []byte
	peer      string // reader the DTLS session authenticated as; "" for plain CoAP
}

// response is the answer to a request.
type response struct {
	code      codes.Code
	format    message.MediaType
	hasFormat bool
	body      []byte
	size1     uint32 // Size1 option (largest body accepted) on 4.13, 0 for none
	maxAge    uint32 // Max-Age option (seconds until a retry can pass) on 4.29, 0 for none
}

// seqKey identifies one batch of one reader.
type seqKey struct {
	reader string
	seq    uint64
}

// seqResult is what an accepted batch was answered.
type seqResult struct {
	bodyHash uint64
	result   Result
}

// ingest serves the resources: decoding, validation and the hand-off to
// the Sink. It is safe for concurrent use.
type ingest struct {
	cfg     Config
	dec     decoder
	sink    Sink
	shed    Shedder // the sink, when it can shed; nil otherwise
	readers ReaderDirectory
	seqs    *ttlCache[seqKey, seqResult]
	limits  *readerLimits
	seed    maphash.Seed
	m       *metrics
	log     *slog.Logger
	// refusals counts the sink's refusals since the last log line about
	// them; refusedLog keeps those lines to one per interval (under
	// overload every batch is refused, and the metric has the detail).
	refusals   atomic.Int64
	refusedLog rate.Sometimes
	// reading counts the goroutines reading plain UDP listeners, busy
	// those of them answering a datagram (see saturated).
	reading, busy atomic.Int32
}

// saturated reports whether every goroutine reading the plain UDP
// listeners is answering a datagram: further datagrams wait in the
// kernel's receive buffer, and a batch that arrives stale waited there.
func (in *ingest) saturated() bool {
	r := in.reading.Load()
	return r > 0 && in.busy.Load() >= r
}

// errBehind refuses a stale batch while rtlsd's own reading is saturated
// (Config.StaleAfter): the reader should back off, briefly.
var errBehind = RetryAfter(errors.New("rfid: behind: batch stale on arrival while every reader goroutine is busy"), time.Second)

func newIngest(cfg Config, sink Sink, readers ReaderDirectory, seqs *ttlCache[seqKey, seqResult], m *metrics, limits *readerLimits) *ingest {
	return &ingest{
		cfg:     cfg,
		dec:     newDecoder(cfg.MaxSightings),
		sink:    sink,
		shed:    shedderOf(sink),
		readers: readers,
		seqs:    seqs,
		limits:  limits,
		seed:    maphash.MakeSeed(),
		m:       m,
		log:     cfg.Logger,
		// one line per 10 s about refused batches
		refusedLog: rate.Sometimes{Interval: 10 * time.Second},
	}
}

// shedderOf returns sink as a Shedder, or nil when it cannot shed.
func shedderOf(sink Sink) Shedder {
	sh, _ := sink.(Shedder)
	return sh
}

// serve answers one request.
func (in *ingest) serve(ctx context.Context, req request) response {
	if req.path != SightingsPath {
		return errorResponse(fmt.Errorf("%w: %q", ErrNotFound, clip(req.path)))
	}
	resp, err := in.postSightings(ctx, req)
	if err != nil {
		return errorResponse(err)
	}
	return resp
}

// postSightings takes one batch: POST SightingsPath.
func (in *ingest) postSightings(ctx context.Context, req request) (response, error) {
	if req.method != codes.POST {
		return response{}, fmt.Errorf("%w: %s takes POST", ErrMethodNotAllowed, SightingsPath)
	}
	if len(req.body) > in.cfg.MaxBodyBytes {
		resp := errorResponse(fmt.Errorf("%w: body of %d bytes, at most %d", ErrTooLarge, len(req.body), in.cfg.MaxBodyBytes))
		resp.size1 = uint32(in.cfg.MaxBodyBytes)
		return resp, nil
	}
	out, err := replyFormat(req)
	if err != nil {
		return response{}, err
	}
	if in.shed != nil {
		if err := in.shed.Shed(); err != nil {
			in.m.shed.Inc()
			return response{}, fmt.Errorf("%w: %w", ErrUnavailable, err)
		}
	}
	b, err := in.decode(req)
	if err != nil {
		return response{}, err
	}
	b.Reader = normaliseID(b.Reader)
	if req.peer != "" && b.Reader != req.peer {
		in.m.forbidden.WithLabelValues(req.peer).Inc()
		in.log.Warn("rfid: reader reported as another reader", "reader", req.peer, "claimed", clip(b.Reader))
		return response{}, fmt.Errorf("%w: batch names reader %q, session is %q: a reader may only report as itself", ErrForbidden, clip(b.Reader), req.peer)
	}
	if err := in.checkReader(b.Reader); err != nil {
		return response{}, err
	}
	res, err := in.take(ctx, b, maphash.Bytes(in.seed, req.body))
	if err != nil {
		return response{}, err
	}
	return resultResponse(out, res)
}

// decode decodes the body in its content format, timing it.
func (in *ingest) decode(req request) (Batch, error) {
	start := time.Now()
	var (
		b      Batch
		err    error
		format string
	)
	switch {
	case !req.hasFormat:
		return Batch{}, fmt.Errorf("%w: missing Content-Format, want %d (json) or %d (cbor)", ErrUnsupportedFormat, message.AppJSON, message.AppCBOR)
	case req.format == message.AppJSON:
		format = formatJSON
		b, err = in.dec.decodeJSON(req.body)
	case req.format == message.AppCBOR:
		format = formatCBOR
		b, err = in.dec.decodeCBOR(req.body)
	default:
		return Batch{}, fmt.Errorf("%w: %d, want %d (json) or %d (cbor)", ErrUnsupportedFormat, req.format, message.AppJSON, message.AppCBOR)
	}
	in.m.decode.WithLabelValues(format).Observe(time.Since(start).Seconds())
	return b, err
}

func (in *ingest) checkReader(reader string) error {
	switch {
	case reader == "":
		return fmt.Errorf("%w: missing reader", ErrMalformed)
	case !in.readers.Known(reader):
		return fmt.Errorf("%w: %q", ErrUnknownReader, clip(reader))
	}
	return nil
}

// take validates a decoded batch and hands its good sightings to the Sink,
// unless the same (reader, seq, body) was accepted within SeqWindow.
func (in *ingest) take(ctx context.Context, b Batch, bodyHash uint64) (Result, error) {
	now := in.cfg.Clock()
	key := seqKey{reader: b.Reader, seq: b.Seq}
	if b.Seq != 0 {
		if prev, ok := in.seqs.get(key, now); ok && prev.bodyHash == bodyHash {
			in.m.duplicates.WithLabelValues(dupSeq).Inc()
			return prev.result, nil
		}
	}
	if err := in.limits.allow(b.Reader, len(b.Sightings), now); err != nil {
		var rl *rateLimitError
		if errors.As(err, &rl) {
			in.m.rateLimited.WithLabelValues(b.Reader, rl.limit).Inc()
		}
		return Result{}, err
	}
	var drops [numDropReasons]int
	sightings := newLimits(in.cfg, now).convert(b, func(r dropReason) { drops[r]++ })
	late := 0
	if len(sightings) > 0 && in.staleWhileSaturated(sightings, now) {
		in.m.behind.Inc()
		return Result{}, fmt.Errorf("%w: %w", ErrUnavailable, errBehind)
	}
	if len(sightings) > 0 {
		ictx, cancel := context.WithTimeout(ctx, in.cfg.IngestTimeout)
		var err error
		late, err = in.sink.Ingest(ictx, sightings)
		cancel()
		if err != nil {
			in.refusals.Add(1)
			in.refusedLog.Do(func() {
				in.log.Warn("rfid: sink refused batches (5.03); one line per 10 s", "refused_batches", in.refusals.Swap(0),
					"last_reader", b.Reader, "err", err)
			})
			return Result{}, fmt.Errorf("%w: %w", ErrUnavailable, err)
		}
		// behind the engine's finalised time: answered, not accepted
		drops[dropLate] += late
	}
	res := Result{Accepted: len(sightings) - late, Dropped: len(b.Sightings) - len(sightings) + late}
	in.count(res, drops[:])
	if b.Seq != 0 {
		in.seqs.put(key, seqResult{bodyHash: bodyHash, result: res}, now)
	}
	in.log.Debug("rfid: batch accepted", "reader", b.Reader, "seq", b.Seq, "accepted", res.Accepted, "dropped", res.Dropped)
	return res, nil
}

// staleWhileSaturated reports whether the batch's newest sighting is
// older than Config.StaleAfter while the reading goroutines are
// saturated: rtlsd is behind, and the batch waited in its socket.
func (in *ingest) staleWhileSaturated(ss []location.Sighting, now time.Time) bool {
	if in.cfg.StaleAfter <= 0 || !in.saturated() {
		return false
	}
	_, newest := location.StampRange(ss)
	return newest <= now.Add(-in.cfg.StaleAfter).UnixMilli()
}

func (in *ingest) count(res Result, drops []int) {
	in.m.accepted.Add(float64(res.Accepted))
	for r, n := range drops {
		if n > 0 {
			in.m.dropped.WithLabelValues(dropReason(r).String()).Add(float64(n))
		}
	}
}

// replyFormat is the format of a success body: the request's, or the one
// its Accept option asks for.
func replyFormat(req request) (message.MediaType, error) {
	if !req.hasAccept {
		return req.format, nil
	}
	if req.accept == message.AppJSON || req.accept == message.AppCBOR {
		return req.accept, nil
	}
	return 0, fmt.Errorf("%w: Accept %d, can answer %d (json) or %d (cbor)", ErrNotAcceptable, req.accept, message.AppJSON, message.AppCBOR)
}

// unavailableMaxAge is the Max-Age (seconds) of a 5.03 answer when the
// Sink's error does not say (Retrier): when a reader may retry a batch the
// engine refused (busy, or the store behind).
const unavailableMaxAge = 5

// errorResponse is the answer for err: its code from errorCodes and a short
// human-readable reason. Server errors do not reveal their cause.
func errorResponse(err error) response {
	code := codeFor(err)
	reason := clip(trimPackage(err.Error()))
	var maxAge uint32
	var rl *rateLimitError
	switch {
	case errors.As(err, &rl):
		maxAge = rl.maxAge()
	case errors.Is(err, ErrUnavailable):
		reason = "engine unavailable, retry later"
		maxAge = unavailableMaxAge
		var r Retrier
		if errors.As(err, &r) {
			maxAge = uint32(max(1, (r.RetryAfter()+time.Second-1)/time.Second))
		}
	case code >= codes.InternalServerError:
		reason = "internal error"
	}
	return response{code: code, format: message.TextPlain, hasFormat: true, body: []byte(reason), maxAge: maxAge}
}
