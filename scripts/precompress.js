// Writes FILE.br (brotli, best quality) and FILE.gz (gzip -9) beside each FILE named on the command
// line, for the server to send as they are when the browser accepts them. Node's own zlib: no tool
// to install.
//   node scripts/precompress.js FILE...
'use strict';
const fs = require('fs');
const zlib = require('zlib');

for (const file of process.argv.slice(2)) {
  const bytes = fs.readFileSync(file);
  const brotli = zlib.brotliCompressSync(bytes, {
    params: {
      [zlib.constants.BROTLI_PARAM_QUALITY]: zlib.constants.BROTLI_MAX_QUALITY,
      [zlib.constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
    },
  });
  fs.writeFileSync(`${file}.br`, brotli);
  fs.writeFileSync(`${file}.gz`, zlib.gzipSync(bytes, { level: zlib.constants.Z_BEST_COMPRESSION }));
}
