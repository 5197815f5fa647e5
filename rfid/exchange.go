package rfid

import (
	"crypto/sha256"
	"net"
	"net/netip"
	"time"
)

// inlineAck is the longest answer kept inside a dedupe entry: every 2.04
// under the default limits (header, 8-byte token, Content-Format and a
// result of up to 4-digit counts fit).
const inlineAck = 56

// exchangeKey identifies one message exchange: the peer's endpoint and the
// message id it chose (RFC 7252 4.5), and whether it came over DTLS, so a
// spoofed plain datagram cannot pre-empt a secure exchange. IPv6 zones are
// not part of the key.
type exchangeKey struct {
	ip     [16]byte
	port   uint16
	mid    uint16
	secure bool
}

// exchange is the state of one exchange in the dedupe cache. It holds no
// pointers, so the garbage collector does not scan the cache.
type exchange struct {
	done bool  // false while the first copy is being processed
	big  bool  // the answer is in exchanges.big
	n    uint8 // length of the answer in ack
	ack  [inlineAck]byte
}

// exchanges remembers the answer to every exchange for its lifetime, so a
// retransmitted CON gets the same bytes again. Answers longer than
// inlineAck (error reasons) go to a smaller side cache.
type exchanges struct {
	small *ttlCache[exchangeKey, exchange]
	big   *ttlCache[exchangeKey, []byte]
}

func newExchanges(lifetime time.Duration, maxEntries int) *exchanges {
	return &exchanges{
		small: newTTLCache[exchangeKey, exchange](lifetime, maxEntries),
		big:   newTTLCache[exchangeKey, []byte](lifetime, max(maxEntries/16, min(maxEntries, 1024))),
	}
}

// begin marks k as being processed; dup reports an earlier copy and prev
// its state.
func (x *exchanges) begin(k exchangeKey, now time.Time) (prev exchange, dup bool) {
	return x.small.putIfAbsent(k, exchange{}, now)
}

// finish records the answer to k (nil when none is to be resent).
func (x *exchanges) finish(k exchangeKey, ack []byte, now time.Time) {
	e := exchange{done: true}
	switch {
	case len(ack) <= inlineAck:
		e.n = uint8(copy(e.ack[:], ack))
	default:
		e.big = true
		x.big.put(k, ack, now)
	}
	x.small.put(k, e, now)
}

// answer returns the answer recorded for a finished exchange; false when
// there is none (a NON, or a long answer already evicted).
func (x *exchanges) answer(k exchangeKey, e exchange, now time.Time) ([]byte, bool) {
	if e.big {
		return x.big.get(k, now)
	}
	return e.ack[:e.n], e.n > 0
}

// len is the number of exchanges remembered.
func (x *exchanges) len() int { return x.small.len() }

// newExchangeKey builds the key for message id mid from addr. Addresses
// that are not IP endpoints are keyed by a digest of their string form.
func newExchangeKey(addr net.Addr, mid int32) (exchangeKey, bool) {
	k := exchangeKey{mid: uint16(mid)}
	switch a := addr.(type) {
	case nil:
		return k, false
	case *net.UDPAddr:
		if a == nil {
			return k, false
		}
		ap := a.AddrPort()
		k.ip, k.port = ap.Addr().As16(), ap.Port()
		return k, true
	}
	if ap, err := netip.ParseAddrPort(addr.String()); err == nil {
		k.ip, k.port = ap.Addr().As16(), ap.Port()
		return k, true
	}
	sum := sha256.Sum256([]byte(addr.Network() + "\x00" + addr.String()))
	copy(k.ip[:], sum[:])
	return k, true
}
