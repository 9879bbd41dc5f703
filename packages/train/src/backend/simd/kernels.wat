;; SIMD (f32x4) kernels for the training graph, run on the tfjs wasm backend's own heap: the module imports the
;; backend's WebAssembly.Memory, so tensors are read and written in place by their heap offsets, with no copies.
;; Every pointer is a byte offset into that memory; `c` (channels, the innermost axis) is a multiple of 4.
;; Accumulating kernels add float32 partial sums into `acc`; the TypeScript side calls them on blocks of rows and
;; sums the blocks in float64, which keeps the long reductions (10⁵ rows) accurate.
;; Regenerate the bytes after editing: node src/backend/simd/build-simd.mjs (from packages/train).
(module
  (import "env" "memory" (memory 1))

  ;; acc[j] += Σ_r x[r, j]
  (func (export "sumRows") (param $x i32) (param $rows i32) (param $c i32) (param $acc i32)
    (local $rowBytes i32) (local $end i32) (local $j i32)
    (local.set $rowBytes (i32.shl (local.get $c) (i32.const 2)))
    (local.set $end (i32.add (local.get $x) (i32.mul (local.get $rows) (local.get $rowBytes))))
    (block $rowsDone (loop $rowsLoop
      (br_if $rowsDone (i32.ge_u (local.get $x) (local.get $end)))
      (local.set $j (i32.const 0))
      (block $done (loop $cols
        (br_if $done (i32.ge_u (local.get $j) (local.get $rowBytes)))
        (v128.store (i32.add (local.get $acc) (local.get $j))
          (f32x4.add (v128.load (i32.add (local.get $acc) (local.get $j)))
                     (v128.load (i32.add (local.get $x) (local.get $j)))))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $cols)))
      (local.set $x (i32.add (local.get $x) (local.get $rowBytes)))
      (br $rowsLoop))))

  ;; acc[j] += Σ_r (x[r, j] − mean[j])²
  (func (export "centredSquares") (param $x i32) (param $rows i32) (param $c i32) (param $mean i32) (param $acc i32)
    (local $rowBytes i32) (local $end i32) (local $j i32) (local $d v128)
    (local.set $rowBytes (i32.shl (local.get $c) (i32.const 2)))
    (local.set $end (i32.add (local.get $x) (i32.mul (local.get $rows) (local.get $rowBytes))))
    (block $rowsDone (loop $rowsLoop
      (br_if $rowsDone (i32.ge_u (local.get $x) (local.get $end)))
      (local.set $j (i32.const 0))
      (block $done (loop $cols
        (br_if $done (i32.ge_u (local.get $j) (local.get $rowBytes)))
        (local.set $d (f32x4.sub (v128.load (i32.add (local.get $x) (local.get $j)))
                                 (v128.load (i32.add (local.get $mean) (local.get $j)))))
        (v128.store (i32.add (local.get $acc) (local.get $j))
          (f32x4.add (v128.load (i32.add (local.get $acc) (local.get $j)))
                     (f32x4.mul (local.get $d) (local.get $d))))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $cols)))
      (local.set $x (i32.add (local.get $x) (local.get $rowBytes)))
      (br $rowsLoop))))

  ;; y[r, j] = max(x[r, j]·a[j] + b[j], floor)   (floor = 0 for a fused ReLU, −∞ without)
  (func (export "batchNormForward") (param $x i32) (param $y i32) (param $rows i32) (param $c i32) (param $a i32) (param $b i32) (param $floor f32)
    (local $rowBytes i32) (local $end i32) (local $j i32) (local $lo v128)
    (local.set $lo (f32x4.splat (local.get $floor)))
    (local.set $rowBytes (i32.shl (local.get $c) (i32.const 2)))
    (local.set $end (i32.add (local.get $x) (i32.mul (local.get $rows) (local.get $rowBytes))))
    (block $rowsDone (loop $rowsLoop
      (br_if $rowsDone (i32.ge_u (local.get $x) (local.get $end)))
      (local.set $j (i32.const 0))
      (block $done (loop $cols
        (br_if $done (i32.ge_u (local.get $j) (local.get $rowBytes)))
        (v128.store (i32.add (local.get $y) (local.get $j))
          (f32x4.max
            (f32x4.add (f32x4.mul (v128.load (i32.add (local.get $x) (local.get $j)))
                                  (v128.load (i32.add (local.get $a) (local.get $j))))
                       (v128.load (i32.add (local.get $b) (local.get $j))))
            (local.get $lo)))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $cols)))
      (local.set $x (i32.add (local.get $x) (local.get $rowBytes)))
      (local.set $y (i32.add (local.get $y) (local.get $rowBytes)))
      (br $rowsLoop))))

  ;; With g = dy, zeroed where y ≤ 0 when relu ≠ 0: accG[j] += Σ_r g, accGX[j] += Σ_r g·(x − mean[j]).
  (func (export "batchNormGradSums") (param $dy i32) (param $x i32) (param $y i32) (param $rows i32) (param $c i32)
      (param $mean i32) (param $accG i32) (param $accGX i32) (param $relu i32)
    (local $rowBytes i32) (local $end i32) (local $j i32) (local $g v128) (local $keepAll v128) (local $zero v128)
    ;; keepAll: all ones without ReLU (every gradient passes), all zeros with it (the y > 0 mask decides).
    (local.set $keepAll (i32x4.splat (i32.sub (i32.const 0) (i32.eqz (local.get $relu)))))
    (local.set $zero (f32x4.splat (f32.const 0)))
    (local.set $rowBytes (i32.shl (local.get $c) (i32.const 2)))
    (local.set $end (i32.add (local.get $dy) (i32.mul (local.get $rows) (local.get $rowBytes))))
    (block $rowsDone (loop $rowsLoop
      (br_if $rowsDone (i32.ge_u (local.get $dy) (local.get $end)))
      (local.set $j (i32.const 0))
      (block $done (loop $cols
        (br_if $done (i32.ge_u (local.get $j) (local.get $rowBytes)))
        (local.set $g (v128.and (v128.load (i32.add (local.get $dy) (local.get $j)))
                                (v128.or (f32x4.gt (v128.load (i32.add (local.get $y) (local.get $j))) (local.get $zero))
                                         (local.get $keepAll))))
        (v128.store (i32.add (local.get $accG) (local.get $j))
          (f32x4.add (v128.load (i32.add (local.get $accG) (local.get $j))) (local.get $g)))
        (v128.store (i32.add (local.get $accGX) (local.get $j))
          (f32x4.add (v128.load (i32.add (local.get $accGX) (local.get $j)))
                     (f32x4.mul (local.get $g)
                                (f32x4.sub (v128.load (i32.add (local.get $x) (local.get $j)))
                                           (v128.load (i32.add (local.get $mean) (local.get $j)))))))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $cols)))
      (local.set $dy (i32.add (local.get $dy) (local.get $rowBytes)))
      (local.set $x (i32.add (local.get $x) (local.get $rowBytes)))
      (local.set $y (i32.add (local.get $y) (local.get $rowBytes)))
      (br $rowsLoop))))

  ;; dx[r, j] = p[j]·g + q[j]·x[r, j] + s[j], g as in batchNormGradSums; p, q, s are consecutive c-vectors at $pqs.
  (func (export "batchNormGradInput") (param $dy i32) (param $x i32) (param $y i32) (param $dx i32) (param $rows i32) (param $c i32)
      (param $pqs i32) (param $relu i32)
    (local $rowBytes i32) (local $end i32) (local $j i32) (local $g v128) (local $keepAll v128) (local $zero v128)
    (local $q i32) (local $s i32)
    (local.set $keepAll (i32x4.splat (i32.sub (i32.const 0) (i32.eqz (local.get $relu)))))
    (local.set $zero (f32x4.splat (f32.const 0)))
    (local.set $rowBytes (i32.shl (local.get $c) (i32.const 2)))
    (local.set $q (i32.add (local.get $pqs) (local.get $rowBytes)))
    (local.set $s (i32.add (local.get $q) (local.get $rowBytes)))
    (local.set $end (i32.add (local.get $dy) (i32.mul (local.get $rows) (local.get $rowBytes))))
    (block $rowsDone (loop $rowsLoop
      (br_if $rowsDone (i32.ge_u (local.get $dy) (local.get $end)))
      (local.set $j (i32.const 0))
      (block $done (loop $cols
        (br_if $done (i32.ge_u (local.get $j) (local.get $rowBytes)))
        (local.set $g (v128.and (v128.load (i32.add (local.get $dy) (local.get $j)))
                                (v128.or (f32x4.gt (v128.load (i32.add (local.get $y) (local.get $j))) (local.get $zero))
                                         (local.get $keepAll))))
        (v128.store (i32.add (local.get $dx) (local.get $j))
          (f32x4.add
            (f32x4.add (f32x4.mul (local.get $g) (v128.load (i32.add (local.get $pqs) (local.get $j))))
                       (f32x4.mul (v128.load (i32.add (local.get $x) (local.get $j)))
                                  (v128.load (i32.add (local.get $q) (local.get $j)))))
            (v128.load (i32.add (local.get $s) (local.get $j)))))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $cols)))
      (local.set $dy (i32.add (local.get $dy) (local.get $rowBytes)))
      (local.set $x (i32.add (local.get $x) (local.get $rowBytes)))
      (local.set $y (i32.add (local.get $y) (local.get $rowBytes)))
      (local.set $dx (i32.add (local.get $dx) (local.get $rowBytes)))
      (br $rowsLoop))))

  ;; MaxPool 2×2, stride 2, no padding, NHWC: dy of each window goes to its first strict maximum (row-major window
  ;; order, tfjs' tie-breaking). dx must be zeroed by the caller (rows/columns no window covers stay 0).
  (func (export "maxPool2x2Grad") (param $x i32) (param $dy i32) (param $dx i32) (param $n i32) (param $h i32) (param $w i32)
      (param $c i32) (param $ho i32) (param $wo i32)
    (local $rowBytes i32) (local $pixelBytes i32) (local $b i32) (local $oy i32) (local $ox i32) (local $j i32)
    (local $p00 i32) (local $rowStart i32)
    (local $v00 v128) (local $v01 v128) (local $v10 v128) (local $v11 v128) (local $g v128)
    (local $m01 v128) (local $m10 v128) (local $m11 v128) (local $best v128)
    (local.set $pixelBytes (i32.shl (local.get $c) (i32.const 2)))
    (local.set $rowBytes (i32.mul (local.get $w) (local.get $pixelBytes)))
    (local.set $b (i32.const 0))
    (block $imagesDone (loop $images
      (br_if $imagesDone (i32.ge_u (local.get $b) (local.get $n)))
      (local.set $oy (i32.const 0))
      (block $rowsDone (loop $rows
        (br_if $rowsDone (i32.ge_u (local.get $oy) (local.get $ho)))
        ;; byte offset of window (oy, 0): image b, input row 2·oy
        (local.set $rowStart (i32.mul (i32.add (i32.mul (local.get $b) (local.get $h)) (i32.shl (local.get $oy) (i32.const 1)))
                                      (local.get $rowBytes)))
        (local.set $ox (i32.const 0))
        (block $colsDone (loop $cols
          (br_if $colsDone (i32.ge_u (local.get $ox) (local.get $wo)))
          (local.set $p00 (i32.add (local.get $rowStart) (i32.shl (i32.mul (local.get $ox) (local.get $pixelBytes)) (i32.const 1))))
          (local.set $j (i32.const 0))
          (block $chDone (loop $channels
            (br_if $chDone (i32.ge_u (local.get $j) (local.get $pixelBytes)))
            (local.set $v00 (v128.load (i32.add (local.get $x) (i32.add (local.get $p00) (local.get $j)))))
            (local.set $v01 (v128.load (i32.add (local.get $x) (i32.add (i32.add (local.get $p00) (local.get $pixelBytes)) (local.get $j)))))
            (local.set $v10 (v128.load (i32.add (local.get $x) (i32.add (i32.add (local.get $p00) (local.get $rowBytes)) (local.get $j)))))
            (local.set $v11 (v128.load (i32.add (local.get $x) (i32.add (i32.add (i32.add (local.get $p00) (local.get $rowBytes)) (local.get $pixelBytes)) (local.get $j)))))
            (local.set $g (v128.load (local.get $dy)))
            (local.set $m01 (f32x4.gt (local.get $v01) (local.get $v00)))
            (local.set $best (v128.bitselect (local.get $v01) (local.get $v00) (local.get $m01)))
            (local.set $m10 (f32x4.gt (local.get $v10) (local.get $best)))
            (local.set $best (v128.bitselect (local.get $v10) (local.get $best) (local.get $m10)))
            (local.set $m11 (f32x4.gt (local.get $v11) (local.get $best)))
            ;; the winner is the last position whose "greater than everything before" flag is set
            (local.set $m10 (v128.andnot (local.get $m10) (local.get $m11)))
            (local.set $m01 (v128.andnot (v128.andnot (local.get $m01) (local.get $m11)) (local.get $m10)))
            (v128.store (i32.add (local.get $dx) (i32.add (local.get $p00) (local.get $j)))
              (v128.andnot (local.get $g) (v128.or (v128.or (local.get $m01) (local.get $m10)) (local.get $m11))))
            (v128.store (i32.add (local.get $dx) (i32.add (i32.add (local.get $p00) (local.get $pixelBytes)) (local.get $j)))
              (v128.and (local.get $g) (local.get $m01)))
            (v128.store (i32.add (local.get $dx) (i32.add (i32.add (local.get $p00) (local.get $rowBytes)) (local.get $j)))
              (v128.and (local.get $g) (local.get $m10)))
            (v128.store (i32.add (local.get $dx) (i32.add (i32.add (i32.add (local.get $p00) (local.get $rowBytes)) (local.get $pixelBytes)) (local.get $j)))
              (v128.and (local.get $g) (local.get $m11)))
            (local.set $dy (i32.add (local.get $dy) (i32.const 16)))
            (local.set $j (i32.add (local.get $j) (i32.const 16)))
            (br $channels)))
          (local.set $ox (i32.add (local.get $ox) (i32.const 1)))
          (br $cols)))
        (local.set $oy (i32.add (local.get $oy) (i32.const 1)))
        (br $rows)))
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (br $images))))

  ;; acc[t, j] += Σ_r col[r, t] · dy[r, j]  for t < taps: the filter gradient of a single-input-channel convolution
  ;; from its im2col matrix (rows × taps) and the output gradient (rows × c).
  (func (export "filterGradOuter") (param $col i32) (param $dy i32) (param $rows i32) (param $taps i32) (param $c i32) (param $acc i32)
    (local $rowBytes i32) (local $end i32) (local $t i32) (local $j i32) (local $a v128) (local $accRow i32) (local $d v128)
    (local.set $rowBytes (i32.shl (local.get $c) (i32.const 2)))
    (local.set $end (i32.add (local.get $dy) (i32.mul (local.get $rows) (local.get $rowBytes))))
    (block $rowsDone (loop $rowsLoop
      (br_if $rowsDone (i32.ge_u (local.get $dy) (local.get $end)))
      (local.set $j (i32.const 0))
      (block $done (loop $cols
        (br_if $done (i32.ge_u (local.get $j) (local.get $rowBytes)))
        (local.set $d (v128.load (i32.add (local.get $dy) (local.get $j))))
        (local.set $t (i32.const 0))
        (local.set $accRow (i32.add (local.get $acc) (local.get $j)))
        (block $tapsDone (loop $taps
          (br_if $tapsDone (i32.ge_u (local.get $t) (local.get $taps)))
          (v128.store (local.get $accRow)
            (f32x4.add (v128.load (local.get $accRow))
                       (f32x4.mul (local.get $d)
                                  (v128.load32_splat (i32.add (local.get $col) (i32.shl (local.get $t) (i32.const 2)))))))
          (local.set $accRow (i32.add (local.get $accRow) (local.get $rowBytes)))
          (local.set $t (i32.add (local.get $t) (i32.const 1)))
          (br $taps)))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $cols)))
      (local.set $dy (i32.add (local.get $dy) (local.get $rowBytes)))
      (local.set $col (i32.add (local.get $col) (i32.shl (local.get $taps) (i32.const 2))))
      (br $rowsLoop))))
)
