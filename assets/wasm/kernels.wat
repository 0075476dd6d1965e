;; The page reader's heavy lifting: a "valid" convolution, with or without ReLU, 32 output
;; channels at a time in eight 4-lane SIMD sums. assets/reader.js runs the network's Conv2D and
;; Dense layers through it (a Dense layer is a 1x1 convolution over a column of inputs, one row
;; a view) and does the cheap rest itself: the five views, pooling and softmax.
;;
;; Assembled by assets/wasm/build.py; tests/test_wasm_kernels.py runs it against NumPy.
;;
;; All pointers are byte offsets into the exported memory, all values float32, all arrays
;; row-major: the input [rows][columns][channels], the kernel [kernel rows * span][outputs],
;; the output [outRows][outWidth][outputs]; $outputs is a multiple of 32. A kernel row reads
;; $span (kernel columns * channels) consecutive input values, which is what makes a Dense
;; layer a convolution of one row.
(module
  (memory (export "memory") 1)

  (func (export "convolve")
    (param $input i32) (param $inputRowBytes i32) (param $inputColumnBytes i32)
    (param $kernelRows i32) (param $span i32) (param $kernel i32) (param $bias i32) (param $outputs i32)
    (param $output i32) (param $outRows i32) (param $outColumns i32) (param $outWidth i32) (param $relu i32)
    (local $block i32) (local $y i32) (local $x i32) (local $ky i32) (local $j i32)
    (local $from i32) (local $weights i32) (local $kernelRowBytes i32) (local $to i32)
    (local $value f32) (local $splat v128) (local $floor v128)
    (local $s0 v128) (local $s1 v128) (local $s2 v128) (local $s3 v128)
    (local $s4 v128) (local $s5 v128) (local $s6 v128) (local $s7 v128)
    (local.set $kernelRowBytes (i32.shl (local.get $outputs) (i32.const 2)))
    ;; The sums are clamped to $floor: zero for ReLU, minus infinity for none.
    (local.set $floor (select (result v128) (v128.const f32x4 0 0 0 0) (v128.const f32x4 -inf -inf -inf -inf)
                              (local.get $relu)))
    ;; Outputs in blocks of 32: a block's slice of the kernel stays in cache across all positions.
    (block $blocks_done (loop $blocks
      (br_if $blocks_done (i32.ge_u (local.get $block) (local.get $outputs)))
      (local.set $y (i32.const 0))
      (block $rows_done (loop $rows
        (br_if $rows_done (i32.ge_u (local.get $y) (local.get $outRows)))
        (local.set $x (i32.const 0))
        (block $columns_done (loop $columns
          (br_if $columns_done (i32.ge_u (local.get $x) (local.get $outColumns)))
          (local.set $weights (i32.add (local.get $bias) (i32.shl (local.get $block) (i32.const 2))))
          (local.set $s0 (v128.load offset=0 (local.get $weights)))
          (local.set $s1 (v128.load offset=16 (local.get $weights)))
          (local.set $s2 (v128.load offset=32 (local.get $weights)))
          (local.set $s3 (v128.load offset=48 (local.get $weights)))
          (local.set $s4 (v128.load offset=64 (local.get $weights)))
          (local.set $s5 (v128.load offset=80 (local.get $weights)))
          (local.set $s6 (v128.load offset=96 (local.get $weights)))
          (local.set $s7 (v128.load offset=112 (local.get $weights)))
          (local.set $weights (i32.add (local.get $kernel) (i32.shl (local.get $block) (i32.const 2))))
          (local.set $ky (i32.const 0))
          (block $kernel_rows_done (loop $kernel_rows
            (br_if $kernel_rows_done (i32.ge_u (local.get $ky) (local.get $kernelRows)))
            (local.set $from (i32.add (local.get $input)
              (i32.add (i32.mul (i32.add (local.get $y) (local.get $ky)) (local.get $inputRowBytes))
                       (i32.mul (local.get $x) (local.get $inputColumnBytes)))))
            (local.set $j (i32.const 0))
            (block $span_done (loop $span_loop
              (br_if $span_done (i32.ge_u (local.get $j) (local.get $span)))
              (local.set $value (f32.load (local.get $from)))
              ;; After ReLU and on blank paper most inputs are zero: skip their kernel row.
              (if (f32.ne (local.get $value) (f32.const 0)) (then
                (local.set $splat (f32x4.splat (local.get $value)))
                (local.set $s0 (f32x4.add (local.get $s0) (f32x4.mul (local.get $splat) (v128.load offset=0 (local.get $weights)))))
                (local.set $s1 (f32x4.add (local.get $s1) (f32x4.mul (local.get $splat) (v128.load offset=16 (local.get $weights)))))
                (local.set $s2 (f32x4.add (local.get $s2) (f32x4.mul (local.get $splat) (v128.load offset=32 (local.get $weights)))))
                (local.set $s3 (f32x4.add (local.get $s3) (f32x4.mul (local.get $splat) (v128.load offset=48 (local.get $weights)))))
                (local.set $s4 (f32x4.add (local.get $s4) (f32x4.mul (local.get $splat) (v128.load offset=64 (local.get $weights)))))
                (local.set $s5 (f32x4.add (local.get $s5) (f32x4.mul (local.get $splat) (v128.load offset=80 (local.get $weights)))))
                (local.set $s6 (f32x4.add (local.get $s6) (f32x4.mul (local.get $splat) (v128.load offset=96 (local.get $weights)))))
                (local.set $s7 (f32x4.add (local.get $s7) (f32x4.mul (local.get $splat) (v128.load offset=112 (local.get $weights)))))))
              (local.set $from (i32.add (local.get $from) (i32.const 4)))
              (local.set $weights (i32.add (local.get $weights) (local.get $kernelRowBytes)))
              (local.set $j (i32.add (local.get $j) (i32.const 1)))
              (br $span_loop)))
            (local.set $ky (i32.add (local.get $ky) (i32.const 1)))
            (br $kernel_rows)))
          (local.set $to (i32.add (local.get $output) (i32.shl
            (i32.add (i32.mul (i32.add (i32.mul (local.get $y) (local.get $outWidth)) (local.get $x)) (local.get $outputs))
                     (local.get $block))
            (i32.const 2))))
          (v128.store offset=0 (local.get $to) (f32x4.max (local.get $s0) (local.get $floor)))
          (v128.store offset=16 (local.get $to) (f32x4.max (local.get $s1) (local.get $floor)))
          (v128.store offset=32 (local.get $to) (f32x4.max (local.get $s2) (local.get $floor)))
          (v128.store offset=48 (local.get $to) (f32x4.max (local.get $s3) (local.get $floor)))
          (v128.store offset=64 (local.get $to) (f32x4.max (local.get $s4) (local.get $floor)))
          (v128.store offset=80 (local.get $to) (f32x4.max (local.get $s5) (local.get $floor)))
          (v128.store offset=96 (local.get $to) (f32x4.max (local.get $s6) (local.get $floor)))
          (v128.store offset=112 (local.get $to) (f32x4.max (local.get $s7) (local.get $floor)))
          (local.set $x (i32.add (local.get $x) (i32.const 1)))
          (br $columns)))
        (local.set $y (i32.add (local.get $y) (i32.const 1)))
        (br $rows)))
      (local.set $block (i32.add (local.get $block) (i32.const 32)))
      (br $blocks)))))
