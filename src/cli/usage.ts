export const usage = `Usage: agentxml <command> [options]

  serve [--host H] [--port P] [--db FILE] [--log-format json|pinsafe]
        [--tls-cert FILE --tls-key FILE] [--site-id ID] [--public-url URL] [--trust-proxy]
        [--request-timeout SECONDS]
        [--smtp-url URL] [--smtp-from ADDR] [--sms-url URL] [--outbox FILE]
        [--smtp-require-tls] [--smtp-ca FILE] [--sms-method M] [--sms-header 'N: V']...
        [--sms-body TEMPLATE] [--message-template FILE] [--retry-delays SECONDS,...]
  agent add NAME --secret S [--network CIDR]... [--admin] [--check-password]
  agent list | agent delete NAME | agent set NAME --check-password|--no-check-password
  user add NAME [--pin DIGITS] [--email ADDR] [--phone NUMBER] [--transport outbox|email|sms]
  user list [--search TEXT] | user show NAME | user delete NAME | user unlock NAME
  user set-pin NAME DIGITS
  user import FILE.csv [--dry-run]        (columns: name, email, phone, transport)
  repository add NAME --type ldap --url ldap[s]://HOST[:PORT] [--start-tls] [--ca FILE]
        --bind-dn DN [--bind-password-file FILE] --base-dn DN [--preset ad|openldap]
        [--filter F] [--username-attr A] [--email-attr A] [--phone-attr A] [--group DN]...
        [--mobile-group DN] [--transport outbox|email|sms] [--interval MINUTES]
        [--grace-days N] [--max-removal PERCENT]
  repository set NAME [the options of add] | repository list | repository show NAME
  repository delete NAME [--keep-users|--delete-users] | repository sync NAME [--dry-run] [--force]
  reprovision NAME [--print-code]        (takes the delivery options of serve)
  queue list [--status queued|sending|sent|failed] [--limit N]
  queue retry ID                          (takes the delivery options of serve)
  policy show | policy set KEY VALUE
  mobile provision --server URL --user NAME --code CODE [--state FILE]
  mobile strings [--state FILE] | mobile otc --pin PIN [--legacy] [--state FILE]
  admin add NAME | admin list | admin delete NAME | admin set-password NAME

The bind password comes from --bind-password-file or AGENTXML_BIND_PASSWORD, never from the
command line; it is sealed with the master key and never shown.
Every command takes --db FILE (default: $AGENTXML_DB, else ./data/agentxml.db).
The mobile commands are a reference mobile client: they speak HTTP to a running server and keep
their state in --state FILE (default ./agentxml-mobile.json, mode 0600). AGENTXML_PIN may give
the PIN instead of --pin, which other users can see in ps.
`
