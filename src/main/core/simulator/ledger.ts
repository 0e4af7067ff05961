import { MICROS_PER_USD, usdToMicros, type Micros } from '@shared/pricing';

/** The account balance, in integer micro-dollars so that thousands of debits never drift. */
export class Ledger {
  private micros: Micros;

  constructor(usd: number) {
    this.micros = usdToMicros(usd);
  }

  /** Carries on from a balance the state folder kept (state.ts). */
  restore(micros: Micros): void {
    this.micros = micros;
  }

  get balanceMicros(): Micros {
    return this.micros;
  }

  /** The balance as the balance endpoint reports it: USD as a plain number. */
  get balanceUsd(): number {
    return this.micros / MICROS_PER_USD;
  }

  set(usd: number): void {
    this.micros = usdToMicros(usd);
  }

  canAfford(cost: Micros): boolean {
    return this.micros >= cost;
  }

  debit(cost: Micros): void {
    this.micros -= cost;
  }

  refund(cost: Micros): void {
    this.micros += cost;
  }
}
