import { openPostgresStore } from '/work/main/dist/metadata/postgres.js';
import { CompiledQuery } from 'kysely';
const url = 'postgres://berth:berth@127.0.0.1:5432/berth';
const store = await openPostgresStore(url);
const db = store.db ?? store['db'];
const N = 20000, conc = 16;
async function loop(fn){ const t0=process.hrtime.bigint(); const cpu0=process.cpuUsage(); await Promise.all(Array.from({length:conc},async()=>{for(let i=0;i<N/conc;i++) await fn();})); const dt=Number(process.hrtime.bigint()-t0)/1e6; const c=process.cpuUsage(cpu0); return `${(N/dt*1000).toFixed(0)}/s cpu/op ${((c.user+c.system)/N).toFixed(1)}us`; }
const sqlAll = 'select "manifests".* from "tags" inner join "manifests" on "manifests"."repository_id" = "tags"."repository_id" and "manifests"."digest" = "tags"."manifest_digest" where "tags"."repository_id" = $1 and "tags"."name" = $2';
const sql3 = 'select "manifests"."digest", "manifests"."media_type", "manifests"."size" from "tags" inner join "manifests" on "manifests"."repository_id" = "tags"."repository_id" and "manifests"."digest" = "tags"."manifest_digest" where "tags"."repository_id" = $1 and "tags"."name" = $2';
for (let k=0;k<2;k++){
console.log('kysely resolve', await loop(()=>store.tags.resolve('x','latest')));
console.log('executeQuery raw all', await loop(()=>db.executeQuery(CompiledQuery.raw(sqlAll,['x','latest']))));
console.log('executeQuery raw 3', await loop(()=>db.executeQuery(CompiledQuery.raw(sql3,['x','latest']))));
}
process.exit(0);
