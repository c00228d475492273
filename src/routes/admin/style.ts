import { createHash } from 'node:crypto'

/** The console's only stylesheet, inline; the CSP allows exactly this text by its hash. */
export const css = `
:root{--brand:#0b3d6e;--accent:#1565c0;--bg:#f3f5f8;--line:#d8dee6;--text:#1c2733;--muted:#5b6a79;--ok:#1e7b34;--bad:#b3261e}
*{box-sizing:border-box}
body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;color:var(--text);background:var(--bg)}
a{color:var(--accent)}
header{display:flex;align-items:center;justify-content:space-between;background:var(--brand);color:#fff;padding:0 22px;height:54px}
.product{font-weight:650;font-size:18px;letter-spacing:.2px}
.product span{font-weight:400;opacity:.8;margin-left:10px;font-size:15px}
.who{display:flex;gap:14px;align-items:center;font-size:14px}
.who form{margin:0}
.who button{background:transparent;border:1px solid rgba(255,255,255,.6);padding:4px 12px}
.shell{display:flex;min-height:calc(100vh - 54px)}
.shell>nav{width:220px;flex:none;background:#fff;border-right:1px solid var(--line);padding:14px 0}
.shell>nav a{display:block;padding:10px 22px;color:var(--text);text-decoration:none;border-left:4px solid transparent}
.shell>nav a:hover{background:#eef3f9}
.shell>nav a[aria-current=page]{border-left-color:var(--accent);background:#eaf1fa;font-weight:600}
main{flex:1;min-width:0;padding:26px 34px;max-width:1180px}
h1{font-size:23px;margin:0 0 18px;font-weight:600}
h2{font-size:17px;margin:28px 0 12px;font-weight:600}
table{border-collapse:collapse;width:100%;background:#fff;border:1px solid var(--line)}
th,td{text-align:left;padding:8px 11px;border-bottom:1px solid var(--line);vertical-align:top}
th{background:#eef1f5;font-weight:600;font-size:12.5px;text-transform:uppercase;letter-spacing:.4px;color:var(--muted)}
tbody tr:nth-child(even){background:#fafbfc}
td.message{max-width:520px}
td.time{white-space:nowrap}
.panel{background:#fff;border:1px solid var(--line);border-radius:6px;padding:18px 22px;margin-bottom:20px}
dl.details{display:grid;grid-template-columns:220px 1fr;gap:9px 18px;margin:0}
dt{color:var(--muted)}
dd{margin:0}
label{display:block;font-weight:600;margin-bottom:4px}
label.check{display:flex;gap:8px;align-items:center;font-weight:600}
.field{margin-bottom:15px}
.hint{color:var(--muted);font-size:13px;margin-top:3px}
input[type=text],input[type=password],input[type=search],select,textarea{font:inherit;padding:7px 9px;border:1px solid #b4bfca;border-radius:4px;width:100%;max-width:430px;background:#fff;color:inherit}
textarea{min-height:74px}
input:focus,select:focus,textarea:focus,button:focus,a:focus{outline:2px solid var(--accent);outline-offset:1px}
.invalid input,.invalid select{border-color:var(--bad);background:#fff8f7}
.field-error{color:var(--bad);font-size:13.5px;margin-top:4px;font-weight:600}
button,.button{font:inherit;text-align:center;background:var(--accent);color:#fff;border:1px solid var(--accent);border-radius:4px;padding:7px 16px;cursor:pointer;text-decoration:none;display:inline-block}
.button.secondary,button.secondary{background:#fff;color:var(--accent)}
button.danger{background:var(--bad);border-color:var(--bad)}
.actions{display:flex;gap:10px;flex-wrap:wrap;align-items:center;margin-top:16px}
.actions form{margin:0}
.notice,.error{padding:11px 15px;margin-bottom:18px;border-radius:4px}
.notice{border-left:5px solid var(--ok);background:#e8f4eb}
.notice.info{border-left-color:var(--accent);background:#e8f0fa}
.notice p{margin:0 0 8px}.notice p:last-child{margin:0}
code.command{display:inline-block;background:#fff;border:1px solid var(--line);border-radius:4px;padding:4px 9px}
.error{border-left:5px solid var(--bad);background:#fbeceb}
.error ul{margin:6px 0 0;padding-left:20px}
.secret{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:17px;background:#fff8e1;border:1px dashed #c9a227;padding:8px 12px;display:inline-block;user-select:all;word-break:break-all}
.badge{display:inline-block;padding:1px 9px;border-radius:10px;font-size:12.5px;font-weight:600;white-space:nowrap}
.badge.ok{background:#e1f0e4;color:var(--ok)}
.badge.bad{background:#f8e0de;color:var(--bad)}
.badge.muted{background:#e7ebf0;color:var(--muted)}
.toolbar{display:flex;gap:12px;align-items:flex-end;margin-bottom:16px;flex-wrap:wrap}
.toolbar .field{margin:0}
.toolbar input,.toolbar select{width:100%;min-width:230px}
.pager{display:flex;gap:14px;align-items:center;margin-top:12px;color:var(--muted)}
.signin{max-width:400px;margin:80px auto}
.muted{color:var(--muted)}
code{font-family:ui-monospace,Menlo,Consolas,monospace}
fieldset{border:1px solid var(--line);border-radius:6px;background:#fff;padding:16px 22px 6px;margin:0 0 20px}
legend{font-weight:600;padding:0 6px}
main.wide{max-width:none;padding-left:24px;padding-right:24px}
.table-wrap{overflow-x:auto;margin-bottom:4px}
.clip{display:block;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
td.break{overflow-wrap:break-word}
td.error-text{min-width:11em;overflow-wrap:anywhere}
td.row-actions a{margin-right:14px;white-space:nowrap}
button.small{padding:3px 11px;font-size:13.5px}
table.dense,table.log{font-size:13.5px}
table.dense th,table.dense td,table.log th,table.log td{padding:6px 8px}
table.log{table-layout:fixed;min-width:960px}
col.c-time{width:150px}col.c-event{width:172px}col.c-outcome{width:90px}col.c-user{width:104px}col.c-actor{width:108px}col.c-source{width:118px}
td.message summary{display:block;overflow:hidden;text-overflow:ellipsis;white-space:nowrap;cursor:pointer}
td.message details[open] summary{white-space:normal;overflow-wrap:anywhere}
td.message details p{margin:3px 0 0;color:var(--muted)}
.filters .filter-fields{display:grid;grid-template-columns:repeat(3,minmax(0,1fr));gap:0 18px}
.filters input[type=text],.filters input[type=search],.filters select{max-width:none}
.filters .hint{margin:0}
.filters .actions{margin-top:12px}
.filters.panel{padding:14px 18px}
@media (max-width:720px){
header{height:auto;min-height:54px;flex-wrap:wrap;gap:4px 12px;padding:8px 14px}
.product span{display:none}
.shell{display:block;min-height:0}
.shell>nav{width:auto;display:flex;flex-wrap:wrap;gap:0 4px;border-right:0;border-bottom:1px solid var(--line);padding:4px 8px}
.shell>nav a{padding:8px 10px;border-left:0;border-bottom:3px solid transparent}
.shell>nav a[aria-current=page]{border-bottom-color:var(--accent)}
.filters .filter-fields{grid-template-columns:repeat(2,minmax(0,1fr));gap:0 12px}
main>table th,main>table td,.table-wrap th,.table-wrap td{white-space:nowrap}
.table-wrap td.error-text{white-space:normal}
main,main.wide{padding:18px 14px}
main>table{display:block;overflow-x:auto}
/* a table scrolled sideways keeps its first column, the name, in view (the Log's first is its wide time column) */
main>table tr>:first-child,.table-wrap table:not(.log) tr>:first-child{position:sticky;left:0;z-index:1;background:#fff;box-shadow:inset -1px 0 0 var(--line)}
main>table tbody tr:nth-child(even)>:first-child,.table-wrap table:not(.log) tbody tr:nth-child(even)>:first-child{background:#fafbfc}
main>table thead th:first-child,.table-wrap table:not(.log) thead th:first-child{background:#eef1f5}
.toolbar{flex-direction:column;align-items:stretch}
.toolbar input,.toolbar select{width:100%}
input[type=text],input[type=password],input[type=search],select,textarea{max-width:none}
dl.details{grid-template-columns:1fr;gap:0}
dd{margin-bottom:10px}
.panel{padding:14px 14px}
fieldset{padding:12px 14px 4px}
.signin{margin:20px auto}
.pager{flex-wrap:wrap}
}
`

/** For the Content-Security-Policy header: `style-src 'sha256-...'`. */
export const cssHash = `sha256-${createHash('sha256').update(css).digest('base64')}`
