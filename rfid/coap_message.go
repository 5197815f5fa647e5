package rfid

import (
	"fmt"
	"io"

	"github.com/plgd-dev/go-coap/v3/message"
	"github.com/plgd-dev/go-coap/v3/message/codes"
	"github.com/plgd-dev/go-coap/v3/message/pool"
	coapNet "github.com/plgd-dev/go-coap/v3/net"
	"github.com/plgd-dev/go-coap/v3/udp/coder"
)

// isRequest reports whether c is a method code (class 0, detail 1..31).
func isRequest(c codes.Code) bool { return c > codes.Empty && c < 32 }

// criticalOK lists the critical options a request may carry. Unknown
// critical options, Block1/Block2 (block-wise transfer is not implemented),
// If-Match and the proxy options get 4.02 Bad Option (RFC 7252 5.4.1).
var criticalOK = map[message.OptionID]bool{
	message.URIHost: true, message.URIPort: true, message.URIPath: true,
	message.URIQuery: true, message.Accept: true,
}

// toRequest extracts what the resources need from a CoAP message.
func toRequest(m *pool.Message) (request, error) {
	opts := m.Options()
	for _, o := range opts {
		if o.ID&1 == 1 && !criticalOK[o.ID] {
			return request{}, fmt.Errorf("%w: %d", ErrBadOption, o.ID)
		}
	}
	r := request{method: m.Code()}
	if p, err := opts.Path(); err == nil {
		r.path = p
	}
	if cf, err := opts.ContentFormat(); err == nil {
		r.format, r.hasFormat = cf, true
	}
	if a, err := opts.GetUint32(message.Accept); err == nil {
		r.accept, r.hasAccept = message.MediaType(a), true
	}
	body, err := readBody(m)
	if err != nil {
		return request{}, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	r.body = body
	return r, nil
}

func readBody(m *pool.Message) ([]byte, error) {
	body := m.Body()
	if body == nil {
		return nil, nil
	}
	if _, err := body.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	return io.ReadAll(body)
}

// responseMessage is resp as the answer to req: piggybacked on the ACK of a
// CON, or a NON with a fresh message id.
func responseMessage(req *pool.Message, resp response) message.Message {
	m := message.Message{
		Code:      resp.code,
		Token:     req.Token(),
		Type:      message.Acknowledgement,
		MessageID: req.MessageID(),
		Payload:   resp.body,
	}
	if req.Type() != message.Confirmable {
		m.Type, m.MessageID = message.NonConfirmable, message.GetMID()
	}
	if resp.hasFormat {
		m.Options = append(m.Options, uintOption(message.ContentFormat, uint32(resp.format)))
	}
	if resp.maxAge > 0 {
		m.Options = append(m.Options, uintOption(message.MaxAge, resp.maxAge))
	}
	if resp.size1 > 0 {
		m.Options = append(m.Options, uintOption(message.Size1, resp.size1))
	}
	return m
}

func uintOption(id message.OptionID, v uint32) message.Option {
	var buf [4]byte
	n, _ := message.EncodeUint32(buf[:], v)
	return message.Option{ID: id, Value: buf[:n]}
}

// encode marshals one of our answers; false (logged) if that fails.
func (s *Server) encode(m message.Message) ([]byte, bool) {
	buf, err := encodeMessage(m)
	if err != nil {
		s.log.Error("rfid: cannot encode answer", "code", codeString(m.Code), "err", err)
		return nil, false
	}
	return buf, true
}

func encodeMessage(m message.Message) ([]byte, error) {
	size, err := coder.DefaultCoder.Size(m)
	if err != nil {
		return nil, err
	}
	buf := make([]byte, size)
	n, err := coder.DefaultCoder.Encode(m, buf)
	return buf[:n], err
}

// replyControl makes an answer leave from the address and interface the
// request arrived on (wildcard listeners with several addresses).
func replyControl(cm *coapNet.ControlMessage) *coapNet.ControlMessage {
	if cm == nil {
		return nil
	}
	out := &coapNet.ControlMessage{IfIndex: cm.IfIndex}
	if len(cm.Dst) > 0 && !cm.Dst.IsMulticast() {
		out.Src = cm.Dst
	}
	if out.IfIndex < 1 && out.Src == nil {
		return nil
	}
	return out
}
