package rfid

import (
	"crypto/sha256"
	"net"
	"net/netip"
)

// exchangeKey identifies one message exchange: the peer's endpoint and the
// message id it chose (RFC 7252 4.5). IPv6 zones are not part of the key.
type exchangeKey struct {
	ip   [16]byte
	port uint16
	mid  uint16
}

// exchange is the state of one exchange in the dedupe cache.
type exchange struct {
	done bool   // false while the first copy is being processed
	ack  []byte // the encoded answer to resend for a retransmitted CON
}

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
