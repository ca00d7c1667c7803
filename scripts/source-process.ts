/**
 * Node arguments that run a TypeScript entry point from source in one process (tsx as a loader,
 * workspace packages by their "source" export). Not the tsx CLI: it would run the app as a
 * child of its own, which a SIGKILL of the parent leaves behind.
 */
export function sourceProcessArgs(entryPoint: string): string[] {
  return ['--conditions=source', '--import', 'tsx', entryPoint];
}
