export const usage = `Usage: agentxml <command> [options]

  serve [--host H] [--port P] [--db FILE] [--log-format json|pinsafe]
        [--tls-cert FILE --tls-key FILE] [--site-id ID] [--public-url URL] [--trust-proxy]
        [--smtp-url URL] [--smtp-from ADDR] [--sms-url URL] [--outbox FILE]
  agent add NAME --secret S [--network CIDR]... [--admin]
  agent list | agent delete NAME
  user add NAME [--pin DIGITS] [--email ADDR] [--phone NUMBER] [--transport outbox|email|sms]
  user list [--search TEXT] | user show NAME | user delete NAME | user unlock NAME
  user set-pin NAME DIGITS
  reprovision NAME [--print-code]
  policy show | policy set KEY VALUE
  admin add NAME | admin list | admin delete NAME | admin set-password NAME

Every command takes --db FILE (default: $AGENTXML_DB, else ./data/agentxml.db).
`
