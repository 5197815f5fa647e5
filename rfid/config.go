package rfid

import (
	"fmt"
	"log/slog"
	"runtime"
	"time"
)

// Defaults applied by NewServer to zero-valued Config fields.
const (
	DefaultAddr             = ":5683"
	DefaultDTLSAddr         = ":5684"
	DefaultMaxFuture        = 60 * time.Second
	DefaultMaxAge           = time.Hour
	DefaultExchangeLifetime = 247 * time.Second // RFC 7252 EXCHANGE_LIFETIME
	DefaultDedupeMaxEntries = 1 << 19           // about 120 MiB when full
	DefaultSeqMaxEntries    = 1 << 18
	DefaultMaxBodyBytes     = 32 << 10
	DefaultMaxSightings     = 1024
	DefaultMaxTagLen        = 64
	DefaultIngestTimeout    = 2 * time.Second
	// DefaultReadBuffer is the UDP receive buffer asked of the kernel: about
	// one second of peak traffic (200,000 sightings/s in CBOR batches of
	// 50-200, some 8 MB of payload, doubled for the kernel's per-datagram
	// accounting), so readers posting on the same instant are queued, not
	// dropped, while the reading goroutines catch up.
	DefaultReadBuffer = 32 << 20
)

// DefaultReadGoroutines is the number of goroutines reading and answering
// datagrams of one UDP listener: enough that batches waiting for the Sink
// do not leave the socket unread.
var DefaultReadGoroutines = max(16, 8*runtime.GOMAXPROCS(0))

// maxReadBuffer bounds ReadBuffer (the kernel keeps twice the value in an int).
const maxReadBuffer = 1 << 30

// maxDatagramBody bounds MaxBodyBytes: a UDP datagram carries at most
// 65507 bytes and the CoAP header, token and options need some of them.
const maxDatagramBody = 65000

// Config configures a Server. Zero values take the defaults above.
type Config struct {
	// Addr is the UDP address ListenAndServe binds (host:port).
	Addr string
	// DTLSAddr is the UDP address ListenAndServeDTLS binds (host:port).
	DTLSAddr string
	// Credentials authenticate readers over DTLS (see LoadCredentials);
	// SetCredentials replaces them. Required for DTLS listeners.
	Credentials *Credentials
	// DTLSIdleTimeout closes a DTLS session silent for this long.
	DTLSIdleTimeout time.Duration
	// ReaderBatchRate and ReaderBatchBurst bound the batches each reader
	// may post (a token bucket: per second, and the bucket size); over
	// the limit the batch gets 4.29 Too Many Requests with Max-Age.
	// Zero rate means no limit; zero burst means one second's worth.
	ReaderBatchRate  float64
	ReaderBatchBurst int
	// ReaderSightingRate and ReaderSightingBurst bound the sightings each
	// reader may post, the same way; a batch larger than the burst is
	// never taken, so make the burst at least MaxSightings.
	ReaderSightingRate  float64
	ReaderSightingBurst int
	// MaxFuture drops sightings stamped more than this after the server clock.
	MaxFuture time.Duration
	// MaxAge drops sightings stamped more than this before the server clock.
	MaxAge time.Duration
	// ExchangeLifetime is how long the answer to a message id is kept to
	// acknowledge retransmissions (RFC 7252 EXCHANGE_LIFETIME).
	ExchangeLifetime time.Duration
	// DedupeMaxEntries bounds the message dedupe cache (about 230 bytes per
	// entry); when full, the oldest entries go first, so the window shrinks
	// to DedupeMaxEntries / message rate. Size it for at least 45 s
	// (MAX_TRANSMIT_SPAN) of messages.
	DedupeMaxEntries int
	// SeqWindow is how long an accepted (reader, seq) is remembered so a
	// repeated batch is acknowledged without re-processing. Zero means
	// ExchangeLifetime; negative disables the check.
	SeqWindow time.Duration
	// SeqMaxEntries bounds the (reader, seq) cache.
	SeqMaxEntries int
	// MaxBodyBytes is the largest body accepted (4.13 above it); at most 65000.
	MaxBodyBytes int
	// MaxSightings is the largest number of sightings in one batch (4.13).
	MaxSightings int
	// MaxTagLen is the longest tag id in bytes, after trimming spaces.
	MaxTagLen int
	// IngestTimeout bounds one Sink.Ingest call.
	IngestTimeout time.Duration
	// ReadBuffer is the receive buffer (bytes) asked of the kernel for each
	// plain UDP listener. Linux caps it at net.core.rmem_max unless the
	// process has CAP_NET_ADMIN; Serve logs and exports what was granted.
	ReadBuffer int
	// ReadGoroutines is the number of goroutines reading, decoding and
	// answering the datagrams of each plain UDP listener.
	ReadGoroutines int
	// StaleAfter (0: off) refuses with 5.03 and Max-Age 1 a batch whose
	// every sighting is older than this by Clock while every reading
	// goroutine of the plain UDP listeners is busy: rtlsd is behind and
	// the batch waited in its socket, so the reader should back off
	// rather than be told its sightings came too late. rtlsd sets half
	// the engine's lateness.
	StaleAfter time.Duration
	// Logger receives the server's logs; nil discards them.
	Logger *slog.Logger
	// Clock is the server clock for the future/age checks; nil is time.Now.
	Clock func() time.Time
}

// withDefaults returns cfg with zero fields set to their defaults, or an
// error naming the first invalid field.
func (cfg Config) withDefaults() (Config, error) {
	if err := cfg.validate(); err != nil {
		return cfg, err
	}
	setDefault(&cfg.Addr, DefaultAddr)
	setDefault(&cfg.DTLSAddr, DefaultDTLSAddr)
	setDefault(&cfg.DTLSIdleTimeout, DefaultDTLSIdleTimeout)
	setDefault(&cfg.MaxFuture, DefaultMaxFuture)
	setDefault(&cfg.MaxAge, DefaultMaxAge)
	setDefault(&cfg.ExchangeLifetime, DefaultExchangeLifetime)
	setDefault(&cfg.DedupeMaxEntries, DefaultDedupeMaxEntries)
	setDefault(&cfg.SeqWindow, cfg.ExchangeLifetime)
	setDefault(&cfg.SeqMaxEntries, DefaultSeqMaxEntries)
	setDefault(&cfg.MaxBodyBytes, DefaultMaxBodyBytes)
	setDefault(&cfg.MaxSightings, DefaultMaxSightings)
	setDefault(&cfg.MaxTagLen, DefaultMaxTagLen)
	setDefault(&cfg.IngestTimeout, DefaultIngestTimeout)
	setDefault(&cfg.ReadBuffer, DefaultReadBuffer)
	setDefault(&cfg.ReadGoroutines, DefaultReadGoroutines)
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	return cfg, nil
}

func setDefault[T comparable](v *T, def T) {
	var zero T
	if *v == zero {
		*v = def
	}
}

func (cfg Config) validate() error {
	checks := []struct {
		name string
		bad  bool
		want string
	}{
		{"max_future", cfg.MaxFuture < 0, "must not be negative"},
		{"max_age", cfg.MaxAge < 0, "must not be negative"},
		{"exchange_lifetime", cfg.ExchangeLifetime < 0, "must not be negative"},
		{"dedupe_max_entries", cfg.DedupeMaxEntries < 0, "must not be negative"},
		{"seq_max_entries", cfg.SeqMaxEntries < 0, "must not be negative"},
		{"max_body_bytes", cfg.MaxBodyBytes < 0 || cfg.MaxBodyBytes > maxDatagramBody,
			fmt.Sprintf("must be between 0 and %d", maxDatagramBody)},
		{"max_sightings", cfg.MaxSightings < 0, "must not be negative"},
		{"max_tag_len", cfg.MaxTagLen < 0, "must not be negative"},
		{"ingest_timeout", cfg.IngestTimeout < 0, "must not be negative"},
		{"dtls_idle_timeout", cfg.DTLSIdleTimeout < 0, "must not be negative"},
		{"read_buffer", cfg.ReadBuffer < 0 || cfg.ReadBuffer > maxReadBuffer, fmt.Sprintf("must be between 0 and %d", maxReadBuffer)},
		{"read_goroutines", cfg.ReadGoroutines < 0, "must not be negative"},
		{"reader_batch_rate", cfg.ReaderBatchRate < 0, "must not be negative"},
		{"reader_batch_burst", cfg.ReaderBatchBurst < 0, "must not be negative"},
		{"reader_sighting_rate", cfg.ReaderSightingRate < 0, "must not be negative"},
		{"reader_sighting_burst", cfg.ReaderSightingBurst < 0, "must not be negative"},
	}
	for _, c := range checks {
		if c.bad {
			return fmt.Errorf("%w: %s: %s", ErrInvalidConfig, c.name, c.want)
		}
	}
	return nil
}
