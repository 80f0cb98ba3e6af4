export async function cmdDemo(_args: string[]): Promise<number> { return 2; }
