package link

import (
	"fmt"
	"net/netip"

	"github.com/oschwald/geoip2-golang/v2"
)

// GeoIP locates addresses with a MaxMind GeoIP2 or GeoLite2 database
// (City or Country edition). Without one configured, clicks carry no
// country or region.
type GeoIP struct {
	r    *geoip2.Reader
	city bool
}

// OpenGeoIP opens an mmdb file.
func OpenGeoIP(path string) (*GeoIP, error) {
	r, err := geoip2.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open GeoIP database %s: %w", path, err)
	}
	g := &GeoIP{r: r, city: true}
	if _, err := r.City(netip.MustParseAddr("1.1.1.1")); err != nil {
		g.city = false
		if _, err := r.Country(netip.MustParseAddr("1.1.1.1")); err != nil {
			r.Close()
			return nil, fmt.Errorf("GeoIP database %s is neither a City nor a Country database: %w", path, err)
		}
	}
	return g, nil
}

// Locate returns the ISO country code and the first subdivision's ISO code
// (a province or state), "" when unknown.
func (g *GeoIP) Locate(ip string) (country, region string) {
	addr, err := netip.ParseAddr(ip)
	if err != nil {
		return "", ""
	}
	if g.city {
		c, err := g.r.City(addr)
		if err != nil {
			return "", ""
		}
		if len(c.Subdivisions) > 0 {
			region = c.Subdivisions[0].ISOCode
		}
		return c.Country.ISOCode, region
	}
	c, err := g.r.Country(addr)
	if err != nil {
		return "", ""
	}
	return c.Country.ISOCode, ""
}

// Close closes the database.
func (g *GeoIP) Close() error { return g.r.Close() }
