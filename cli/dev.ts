export async function cmdDev(_args: string[]): Promise<number> { return 2; }
