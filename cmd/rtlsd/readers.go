package main

import (
	"flag"

	"github.com/hospitalrtls/rtls/pipeline"
	"github.com/hospitalrtls/rtls/rfid"
	"github.com/hospitalrtls/rtls/server"
)

// readerFlags registers the flags of the reader front's security.
func readerFlags(fs *flag.FlagSet, cfg *server.Config) {
	r := &cfg.Readers
	fs.StringVar(&r.DTLSAddr, "coap-dtls-addr", rfid.DefaultDTLSAddr, "UDP address for CoAP over DTLS (with --reader-keys)")
	fs.StringVar(&r.Keys, "reader-keys", "", "reader keys file: JSON lines of reader PSKs and/or the readers' CA (see docs/security.md); reread on SIGHUP")
	fs.DurationVar(&r.IdleTimeout, "dtls-idle-timeout", rfid.DefaultDTLSIdleTimeout, "close DTLS sessions silent this long")
	fs.Float64Var(&r.BatchRate, "reader-batch-rate", 100, "batches per second each reader may post (0: no limit; burst twice that)")
	fs.Float64Var(&r.SightingRate, "reader-sighting-rate", 5000, "sightings per second each reader may post (0: no limit)")
	fs.IntVar(&r.ReadBuffer, "coap-read-buffer", rfid.DefaultReadBuffer, "receive buffer (bytes) of the plain CoAP socket, about a second of peak traffic; Linux caps it at net.core.rmem_max without CAP_NET_ADMIN (the log and rtls_rfid_udp_read_buffer_bytes say what was granted)")
	fs.IntVar(&r.ReadGoroutines, "coap-read-goroutines", rfid.DefaultReadGoroutines, "goroutines reading and answering the plain CoAP socket")
	fs.StringVar(&r.Tags.Mode, "tag-policy", pipeline.TagsAny, "which new tags are tracked: any, registered (in --tags or the registry) or budget (--new-tags-per-minute per reader)")
	fs.IntVar(&r.Tags.NewPerMinute, "new-tags-per-minute", 0, "with --tag-policy=budget: new tags each reader may start a minute")
	fs.IntVar(&r.Tags.MaxTags, "max-tags", pipeline.DefaultMaxTags, "most tags tracked at once; sightings of further new tags are dropped")
	fs.DurationVar(&r.Tags.Retention, "tag-retention", pipeline.DefaultTagRetention, "forget a tag (engine and store) without a position for this long, in event time")
}
