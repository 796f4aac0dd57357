// Drives a GTP engine the way Sabaki does, with Sabaki's own @sabaki/gtp and @sabaki/sgf.
//
// Usage: node sabaki_client.js ENGINE [ARGS...]   (prints one JSON object on stdout)
//
// Analysis as Sabaki runs it: the analysis command is sent, its streamed lines are read through
// the command's subscriber, and the analysis is interrupted by sending the next command. The
// info lines are parsed the way Sabaki's app reads them (@sabaki/gtp has no analysis parser):
// "info" chunks of key/value pairs ending with "pv MOVES", and a trailing "ownership VALUES".
const {Controller} = require('@sabaki/gtp')
const sgf = require('@sabaki/sgf')

function parseAnalysis(line) {
  let ownership = null
  let [infos, own] = line.split(/\s*ownership\s+/)
  if (own != null) ownership = own.trim().split(/\s+/).map(Number)
  let moves = infos
    .split(/\s*info\s+/)
    .slice(1)
    .map(chunk => {
      let [pairs, pv] = chunk.split(/\s*pv\s+/)
      let words = pairs.trim().split(/\s+/)
      let move = {pv: pv == null ? [] : pv.trim().split(/\s+/)}
      for (let i = 0; i + 1 < words.length; i += 2) {
        let value = Number(words[i + 1])
        move[words[i]] = Number.isNaN(value) ? words[i + 1] : value
      }
      return move
    })
  return {moves, ownership}
}

async function main() {
  let [engine, ...args] = process.argv.slice(2)
  let controller = new Controller(engine, args)
  controller.start()
  let send = async (name, ...args) => {
    let response = await controller.sendCommand({name, args})
    if (response.error) throw new Error(`${name} ${args.join(' ')}: ${response.content}`)
    return response.content
  }
  let out = {}
  out.name = await send('name')
  out.commands = (await send('list_commands')).split('\n')
  await send('boardsize', 9)
  await send('clear_board')
  await send('komi', 7.5)
  await send('play', 'B', 'E5')
  await send('play', 'W', 'C3')

  for (let [name, args] of [['lz-analyze', ['B', 10]], ['kata-analyze', ['B', 10, 'ownership', 'true']]]) {
    let lines = []
    let enough
    let ready = new Promise(resolve => (enough = resolve))
    let analysis = controller.sendCommand({name, args}, ({line}) => {
      if (line.startsWith('info ')) lines.push(line)
      if (lines.length >= 3) enough()
    })
    await Promise.race([ready, new Promise((_, no) => setTimeout(() => no(new Error(`${name}: no lines`)), 60000))])
    let next = await send('name') // the interruption: Sabaki sends its next command
    let response = await analysis
    out[name] = {error: response.error, next, parsed: lines.map(parseAnalysis)}
  }

  out.genmove = await send('genmove', 'B')
  let [tree] = sgf.parse(await send('printsgf'))
  let moves = []
  for (let node = tree.children[0]; node != null; node = node.children[0]) {
    if (node.data.B) moves.push(['B', node.data.B[0]])
    if (node.data.W) moves.push(['W', node.data.W[0]])
  }
  out.sgf = {SZ: tree.data.SZ, KM: tree.data.KM, moves}
  await controller.stop()
  console.log(JSON.stringify(out))
}

main().catch(err => {
  console.error(err.stack || String(err))
  process.exit(1)
})
