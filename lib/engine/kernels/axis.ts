/** A shape seen as [outer, dim, inner] around one axis (the block layout our copy kernels walk). */
export interface AroundAxis {
  /** The axis, counted from 0. */
  axis: number;
  /** Product of the sizes before the axis. */
  outer: number;
  /** The axis' size. */
  dim: number;
  /** Product of the sizes after the axis. */
  inner: number;
}

/**
 * `shape` around `axisAttr` (a kernel's `axis` attribute, negative counts from the end, default 0);
 * `kernel` names the kernel in the error for an axis out of range.
 */
export function aroundAxis(kernel: string, shape: readonly number[], axisAttr: unknown): AroundAxis {
  const rank = shape.length;
  let axis = Number(axisAttr ?? 0);
  if (axis < 0) axis += rank;
  if (!(Number.isInteger(axis) && axis >= 0 && axis < rank))
    throw new Error(`${kernel}: axis ${String(axisAttr)} is out of range for a rank-${rank} tensor`);
  const product = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
  return { axis, outer: product(shape.slice(0, axis)), dim: shape[axis], inner: product(shape.slice(axis + 1)) };
}
