import sharp from 'sharp'

// Loaded with --import into a process under test when the bench is run with
// --env BENCH_SHARP_CACHE=0 or --env BENCH_SHARP_CONCURRENCY=N: libvips'
// cache and thread count are process-wide, so setting them here before the
// app loads is the same as the app setting them at start.

const cache = process.env.BENCH_SHARP_CACHE
if (cache !== undefined) sharp.cache(cache === '0' || cache === 'false' ? false : true)

const threads = Number(process.env.BENCH_SHARP_CONCURRENCY)
if (Number.isInteger(threads) && threads >= 0) sharp.concurrency(threads)
