export const usage = `Usage: agentxml <command> [options]

  serve [--host H] [--port P] [--db FILE] [--log-format json|pinsafe]
        [--tls-cert FILE --tls-key FILE] [--site-id ID] [--public-url URL] [--trust-proxy]
        [--request-timeout SECONDS] [--node-name NAME] [--key-file FILE]
  init                                    create the database (and a SQLite key file)
        [--smtp-url URL] [--smtp-from ADDR] [--sms-url URL] [--outbox FILE]
        [--smtp-require-tls] [--smtp-ca FILE] [--sms-method M] [--sms-header 'N: V']...
        [--sms-body TEMPLATE] [--message-template FILE] [--retry-delays SECONDS,...]
  agent add NAME --secret S [--network CIDR]... [--admin]
  agent list | agent delete NAME
  user add NAME [--pin DIGITS] [--email ADDR] [--phone NUMBER] [--transport outbox|email|sms]
  user list [--search TEXT] | user show NAME | user delete NAME | user unlock NAME
  user set-pin NAME DIGITS
  reprovision NAME [--print-code]        (takes the delivery options of serve)
  queue list [--status queued|sending|sent|failed] [--limit N]
  queue retry ID                          (takes the delivery options of serve)
  policy show | policy set KEY VALUE
  mobile provision --server URL --user NAME --code CODE [--state FILE]
  mobile strings [--state FILE] | mobile otc --pin PIN [--legacy] [--state FILE]
  admin add NAME | admin list | admin delete NAME | admin set-password NAME
  db copy --from DB --to DB               copy every row, ids kept, into a database with none
                                          (e.g. SQLite to PostgreSQL), in one transaction; a
                                          failed copy leaves the target empty: run it again.
                                          Stop the servers first. Both use the source's key.

Every command takes --db FILE|URL (default: $AGENTXML_DB, else ./data/agentxml.db; a
postgres://user:pass@host/db URL selects PostgreSQL) and --key-file FILE (default: agentxml.key
beside a SQLite database; PostgreSQL needs it or AGENTXML_SECRET_KEY). Only serve and init
create a database that does not exist.
The mobile commands are a reference mobile client: they speak HTTP to a running server and keep
their state in --state FILE (default ./agentxml-mobile.json, mode 0600). AGENTXML_PIN may give
the PIN instead of --pin, which other users can see in ps.
`
