package sim

import "math"

// log10Fast returns log10(x) for finite x > 0 to about 1e-6 (absolute),
// several times faster than math.Log10: the exponent from the float's
// bits, the mantissa's logarithm from the series of atanh.
func log10Fast(x float64) float64 {
	const (
		ln2    = 0.6931471805599453
		log10e = 0.4342944819032518
	)
	bits := math.Float64bits(x)
	e := int((bits>>52)&0x7ff) - 1023
	m := math.Float64frombits(bits&(1<<52-1) | 1023<<52) // in [1, 2)
	if m > math.Sqrt2 {                                  // centre on 1: m in [0.71, 1.41)
		m /= 2
		e++
	}
	t := (m - 1) / (m + 1)
	t2 := t * t
	ln := 2 * t * (1 + t2*(1.0/3+t2*(1.0/5+t2*(1.0/7+t2/9))))
	return (float64(e)*ln2 + ln) * log10e
}
