// Writes the platform's OpenAPI document to web/openapi.json, from the Python app itself (no server needed).
// Python: $PYTHON, else the repository's .venv, else python3 on the PATH.
import { execFileSync } from 'node:child_process'
import { existsSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const web = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const venvPython = join(web, '..', '.venv', 'bin', 'python')
const python = process.env.PYTHON ?? (existsSync(venvPython) ? venvPython : 'python3')

const code = `
import json, sys, tempfile
from brightkitchen.platform.app import create_app
from brightkitchen.platform.settings import Settings
with tempfile.TemporaryDirectory() as d:
    doc = create_app(Settings(data_dir=d, secret_key="openapi-dump-only-" + "x" * 32)).openapi()
sys.stdout.write(json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=True) + "\\n")
`
const out = execFileSync(python, ['-c', code], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
writeFileSync(join(web, 'openapi.json'), out)
console.log(`wrote openapi.json (${Object.keys(JSON.parse(out).paths).length} paths)`)
