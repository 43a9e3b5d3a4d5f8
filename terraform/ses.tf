# E-mail of the console (sign-up, invitation and password-reset links) through SES:
# a domain identity signed with Easy DKIM, and a configuration set the console must
# send with (its role may send only from that identity, through that set, as the one
# sender address).

locals {
  mail_from = "${var.mail_from_local_part}@${var.mail_domain}"

  # Easy DKIM: three CNAME records, <token>._domainkey.<domain> to <token>.dkim.amazonses.com.
  mail_dkim_records = [
    for token in aws_sesv2_email_identity.mail.dkim_signing_attributes[0].tokens : {
      name  = "${token}._domainkey.${var.mail_domain}"
      type  = "CNAME"
      value = "${token}.dkim.amazonses.com"
    }
  ]
}

resource "aws_sesv2_configuration_set" "mail" {
  configuration_set_name = "${var.name}-console"

  # The links in these messages are credentials: never hand them to a server that
  # cannot take them over TLS.
  delivery_options {
    tls_policy = "REQUIRE"
  }

  reputation_options {
    reputation_metrics_enabled = true
  }

  sending_options {
    sending_enabled = true
  }

  # Stop sending to addresses that bounced or complained, whatever the account's
  # own suppression list says.
  suppression_options {
    suppressed_reasons = ["BOUNCE", "COMPLAINT"]
  }
}

resource "aws_sesv2_email_identity" "mail" {
  email_identity         = var.mail_domain
  configuration_set_name = aws_sesv2_configuration_set.mail.configuration_set_name

  # Easy DKIM (SES makes and rotates the keys); no private key of our own.
  dkim_signing_attributes {
    next_signing_key_length = "RSA_2048_BIT"
  }
}

# With a hosted zone, the DKIM records are created there; SES verifies the domain once
# it finds them.
resource "aws_route53_record" "mail_dkim" {
  count = var.mail_zone_id == null ? 0 : 3

  zone_id = var.mail_zone_id
  name    = local.mail_dkim_records[count.index].name
  type    = local.mail_dkim_records[count.index].type
  ttl     = 1800
  records = [local.mail_dkim_records[count.index].value]
}
