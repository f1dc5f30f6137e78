// Launcher: an in-memory PLC directory and a Bluesky PDS in one Node process, both bound to
// 127.0.0.1 only. Started by start.sh, which sets the PDS_* environment and the time limit.
//
// The PLC is @did-plc/server with its mock (in-memory) database, as @atproto/dev-env's
// TestPlc uses, so DID creation never reaches plc.directory. Both servers call
// `app.listen(port)`, which binds every interface; wrapping `listen` pins them to loopback.
import { PDS, envToCfg, envToSecrets, readEnv } from '@atproto/pds'
import * as plcServer from '@did-plc/server'

const HOST = '127.0.0.1'
const started = Date.now()

function loopbackOnly(app) {
  const listen = app.listen.bind(app)
  app.listen = (port, ...rest) => listen(port, HOST, ...rest.filter((a) => typeof a === 'function'))
}

const plcPort = Number(process.env.PLC_PORT ?? 2582)
const plc = plcServer.PlcServer.create({ db: plcServer.Database.mock(), port: plcPort })
loopbackOnly(plc.app)
await plc.start()

const env = readEnv()
const pds = await PDS.create(envToCfg(env), envToSecrets(env))
loopbackOnly(pds.app)
await pds.start()
console.log(`PDS up at http://${HOST}:${env.port} (PLC http://${HOST}:${plcPort}) ready in ${Date.now() - started} ms`)

const stop = async () => {
  await pds.destroy().catch(() => {})
  await plc.destroy().catch(() => {})
  process.exit(0)
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
