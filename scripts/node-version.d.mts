export function nodeTooOld(version: string, engines: string): string | undefined;
