package rfid

import (
	"bytes"
	"net"
	"testing"
	"time"
)

func TestExchangesKeepAnswers(t *testing.T) {
	now := time.Unix(1_763_719_200, 0)
	tests := []struct {
		name string
		ack  []byte
		kept bool
	}{
		{"short answer kept inline", bytes.Repeat([]byte{1}, inlineAck), true},
		{"long answer kept aside", bytes.Repeat([]byte{2}, inlineAck+1), true},
		{"no answer (NON)", nil, false},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := newExchanges(time.Minute, 100)
			k := exchangeKey{mid: uint16(i)}
			if _, dup := x.begin(k, now); dup {
				t.Fatal("first copy seen as duplicate")
			}
			if prev, dup := x.begin(k, now); !dup || prev.done {
				t.Fatalf("second copy in flight: dup %v done %v", dup, prev.done)
			}
			x.finish(k, tt.ack, now)
			prev, dup := x.begin(k, now)
			got, ok := x.answer(k, prev, now)
			if !dup || !prev.done || ok != tt.kept || !bytes.Equal(got, tt.ack) {
				t.Errorf("answer %x %v, want %x %v", got, ok, tt.ack, tt.kept)
			}
		})
	}
}

func TestExchangeKey(t *testing.T) {
	a := &net.UDPAddr{IP: net.IPv4(10, 0, 0, 1), Port: 5683}
	a6 := &net.UDPAddr{IP: net.ParseIP("::ffff:10.0.0.1"), Port: 5683}
	b := &net.UDPAddr{IP: net.IPv4(10, 0, 0, 1), Port: 5684}
	ka, _ := newExchangeKey(a, 7)
	ka6, _ := newExchangeKey(a6, 7)
	kb, _ := newExchangeKey(b, 7)
	kmid, _ := newExchangeKey(a, 8)
	if ka != ka6 || ka == kb || ka == kmid {
		t.Errorf("keys: same endpoint %v, other port %v, other mid %v", ka == ka6, ka == kb, ka == kmid)
	}
	if _, ok := newExchangeKey(nil, 1); ok {
		t.Error("nil address keyed")
	}
	var nilUDP *net.UDPAddr
	if _, ok := newExchangeKey(nilUDP, 1); ok {
		t.Error("nil *UDPAddr keyed")
	}
	unix1, _ := newExchangeKey(&net.UnixAddr{Name: "/a", Net: "unixgram"}, 1)
	unix2, _ := newExchangeKey(&net.UnixAddr{Name: "/b", Net: "unixgram"}, 1)
	if unix1 == unix2 {
		t.Error("different non-IP addresses share a key")
	}
}
