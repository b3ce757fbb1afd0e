import { DuckDBInstance } from '@duckdb/node-api';
import { generateScaleWarehouse, scaleWarehouseFile } from '/work/main/dist/bench/scale-generator.js';
import { mkdirSync } from 'node:fs';
for (const sf of [0.1, 1]) {
  const file = scaleWarehouseFile(sf);
  console.log(file);
  const inst = await DuckDBInstance.create(file);
  await generateScaleWarehouse(await inst.connect(), { sf });
  console.log('done', sf);
}
