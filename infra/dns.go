package infra

import (
	"fmt"

	"github.com/fargo-dev/fargo/config"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/acm"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/route53"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// DnsArgs configures a Dns.
type DnsArgs struct {
	// Domain names the zone, the host and whether the zone is created here.
	Domain config.DomainConfig
	// Previews adds the name *.<site> to the certificate, for the stack's
	// previews' names (pr<number>.<site>); ACM validates it by the site's own
	// record. Guard, with previews, keeps the certificate while they exist.
	Previews bool
	Guard    pulumi.ResourceOption
	// Tags are applied to the zone and certificate.
	Tags pulumi.StringMap
}

// Dns is the site's hosted zone (created or looked up) and a DNS-validated ACM
// certificate for its name. The load balancer publishes its alias record in ZoneID.
type Dns struct {
	pulumi.ResourceState

	// DomainName is the site's fully qualified name.
	DomainName pulumi.StringOutput `pulumi:"domainName"`
	// ZoneID is the hosted zone's id.
	ZoneID pulumi.StringOutput `pulumi:"zoneId"`
	// NameServers are the zone's name servers, to copy to the registrar; empty when
	// the zone already existed.
	NameServers pulumi.StringArrayOutput `pulumi:"nameServers"`
	// CertificateArn resolves only once the certificate is validated.
	CertificateArn pulumi.StringOutput `pulumi:"certificateArn"`
}

// NewDns creates or finds the zone, then the certificate, its validation records
// and the validation that HTTPS listeners wait on.
func NewDns(ctx *pulumi.Context, name string, args *DnsArgs, opts ...pulumi.ResourceOption) (*Dns, error) {
	if args == nil {
		return nil, fmt.Errorf("dns %s: args are required", name)
	}
	c := &Dns{}
	if err := ctx.RegisterComponentResource("fargo:infra:Dns", name, c, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(c)
	domain := args.Domain

	if domain.CreateZone {
		zone, err := route53.NewZone(ctx, name, &route53.ZoneArgs{
			Name:    pulumi.String(domain.Zone),
			Comment: pulumi.String("fargo site zone; delegate it by copying nameServers to the registrar"),
			Tags:    args.Tags,
		}, parent)
		if err != nil {
			return nil, err
		}
		c.ZoneID = zone.ZoneId
		c.NameServers = zone.NameServers
	} else {
		zone, err := route53.LookupZone(ctx, &route53.LookupZoneArgs{
			Name:        pulumi.StringRef(domain.Zone),
			PrivateZone: pulumi.BoolRef(false),
		}, parent)
		if err != nil {
			return nil, fmt.Errorf("fargo:domain.zone: no public hosted zone %q found (set createZone: true to create it): %w", domain.Zone, err)
		}
		c.ZoneID = pulumi.String(zone.ZoneId).ToStringOutput()
		c.NameServers = pulumi.StringArray{}.ToStringArrayOutput()
	}

	certArgs := &acm.CertificateArgs{
		DomainName:       pulumi.String(domain.Name()),
		ValidationMethod: pulumi.String("DNS"),
		KeyAlgorithm:     pulumi.String("RSA_2048"),
		Tags:             args.Tags,
	}
	if args.Previews {
		// A wildcard and its base name share one validation record
		// (https://docs.aws.amazon.com/acm/latest/userguide/dns-validation.html).
		certArgs.SubjectAlternativeNames = pulumi.StringArray{pulumi.String("*." + domain.Name())}
	}
	cert, err := acm.NewCertificate(ctx, name, certArgs, guarded(parent, args.Guard))
	if err != nil {
		return nil, err
	}
	option := cert.DomainValidationOptions.Index(pulumi.Int(0))
	record, err := route53.NewRecord(ctx, name+"-validation", &route53.RecordArgs{
		ZoneId:         c.ZoneID,
		Name:           option.ResourceRecordName().Elem(),
		Type:           option.ResourceRecordType().Elem(),
		Records:        pulumi.StringArray{option.ResourceRecordValue().Elem()},
		Ttl:            pulumi.Int(60),
		AllowOverwrite: pulumi.Bool(true),
	}, parent)
	if err != nil {
		return nil, err
	}
	validation, err := acm.NewCertificateValidation(ctx, name, &acm.CertificateValidationArgs{
		CertificateArn:        cert.Arn,
		ValidationRecordFqdns: pulumi.StringArray{record.Fqdn},
	}, guarded(parent, args.Guard))
	if err != nil {
		return nil, err
	}

	c.DomainName = pulumi.String(domain.Name()).ToStringOutput()
	c.CertificateArn = validation.CertificateArn
	if err := ctx.RegisterResourceOutputs(c, pulumi.Map{
		"domainName":     c.DomainName,
		"zoneId":         c.ZoneID,
		"nameServers":    c.NameServers,
		"certificateArn": c.CertificateArn,
	}); err != nil {
		return nil, err
	}
	return c, nil
}
