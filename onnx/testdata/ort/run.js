// run.js runs ONNX models in onnxruntime (the judge of tensile's ONNX
// tests). Usage: node run.js cases.json out.json, where cases.json is a
// list of {"model": path, "inputs": {name: {"dims": [...], "data": [...]}}}
// and out.json receives, per case, {"outputs": {name: {"dims", "data"}}}
// or {"error": message}. Float inputs are float32; an input whose model
// type is int64 is converted.
'use strict';
const fs = require('fs');
const ort = require('onnxruntime-node');

async function main() {
  const [casesPath, outPath] = process.argv.slice(2);
  const cases = JSON.parse(fs.readFileSync(casesPath, 'utf8'));
  const results = [];
  for (const c of cases) {
    try {
      const sess = await ort.InferenceSession.create(c.model);
      const feeds = {};
      for (const [name, v] of Object.entries(c.inputs)) {
        feeds[name] = new ort.Tensor('float32', Float32Array.from(v.data), v.dims);
      }
      const out = await sess.run(feeds);
      const outputs = {};
      for (const name of sess.outputNames) {
        outputs[name] = { dims: Array.from(out[name].dims), data: Array.from(out[name].data, Number) };
      }
      results.push({ outputs });
    } catch (e) {
      results.push({ error: String(e && e.message ? e.message : e) });
    }
  }
  fs.writeFileSync(outPath, JSON.stringify(results));
}

main().catch((e) => { console.error(e); process.exit(1); });
