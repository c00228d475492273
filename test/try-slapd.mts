import { startSlapd, personLdif, groupLdif, serviceDn, servicePassword, peopleDn } from '/work/wt/ldap/test/helpers/slapd.ts'
import { Client } from 'ldapts'
const s = await startSlapd({ sizeLimit: 5 })
let ldif = ''
for (let i = 0; i < 12; i++) ldif += personLdif({ uid: `u${i}`, mail: `u${i}@x.com`, password: 'pw' + i, ad: i === 1 ? { sam: 'U1', control: 514 } : undefined })
await s.add(ldif + groupLdif('mobile', ['u1', 'u2']))
const c = new Client({ url: s.tlsUrl, tlsOptions: { ca: [s.caFile].map((f) => (await import('node:fs')).readFileSync(f))) } })
await c.bind(serviceDn, servicePassword)
try { const r = await c.search(peopleDn, { filter: '(objectClass=inetOrgPerson)' }); console.log('nonpaged', r.searchEntries.length) } catch (e) { console.log('nonpaged err', (e as Error).constructor.name, (e as Error).message) }
const r2 = await c.search(peopleDn, { filter: '(objectClass=inetOrgPerson)', paged: { pageSize: 500 }, attributes: ['uid', 'mail', 'sAMAccountName', 'userAccountControl'] })
console.log('paged500', r2.searchEntries.length, r2.searchEntries[1])
const r3 = await c.search(peopleDn, { filter: '(objectClass=inetOrgPerson)', paged: { pageSize: 3 } })
console.log('paged3', r3.searchEntries.length)
await c.unbind()
const u = new Client({ url: s.url }); await u.bind('uid=u3,' + peopleDn, 'pw3'); console.log('user bind ok'); 
try { await u.bind('uid=u3,' + peopleDn, 'bad') } catch (e) { console.log('bad bind', (e as Error).constructor.name, (e as any).code) }
await u.unbind()
await s.stop(); 
const d = new Client({ url: s.url, connectTimeout: 2000 }); try { await d.bind(serviceDn, servicePassword) } catch (e) { console.log('down', (e as Error).message) }
await s.start(); const e2 = new Client({ url: s.url }); await e2.bind(serviceDn, servicePassword); console.log('restarted ok'); await e2.unbind()
await s.close()
