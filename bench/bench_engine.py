"""Benchmark: the layout of the waterfall engine, "numba scalar clauses over scenarios" against "every amount an (S,) array".

Measured in one process, time.perf_counter, the median of --repeats runs, in ms per scenario:
  reference  tests/waterfall_reference.run_deal: the old scalar Python loop, one scenario at a time (from DataFrames);
  numba      waterfall.run_batch (prepare_batch + run_all, default threads + check_batch) at S = 1, 1,000, 10,000, and the
             kernel alone: waterfall.run_scenarios(deal, 0, S) on a prepared deal, one thread (outputs zeroed between runs);
  numpy      `run_numpy` below: both groups' Priority of Payments written once more with every amount an (S,) array and
             masks instead of ifs, one small function per clause (../shared/STYLE-ANCHORS.md, "For the waterfall rewrite"),
             mirroring the numba clauses of impac_research/waterfall.py for the shipped readings (cross_support 'target',
             premium senior, carveout retained, swap notional capped at the pool, pro rata OC build). Wall = prepare_batch +
             run_numpy; kernel = run_numpy on the prepared deal. It writes the same BOND outputs and checks sources = uses
             and the OC roll every period, but keeps no per-line group ledger (the numba engine writes ~36 lines more).
both to maturity and to the first call date. Scenarios: speed 50-250% of pricing, CDR 0-10, severity 0.3-0.5, lag 0-12,
on the 2003-01-24 forward curve (materials._engine). Before timing, the numpy layout is checked against the numba engine
on --parity random scenarios: bond principal, interest, writedown (and the other BOND fields) per period, to the cent;
and again on the same scenarios with PPIS, a trigger event and delinquencies (`parity(stress=True)`), to reach the corners.
--compile adds the numba engine's cold compile time: the first run_batch in a subprocess with an empty NUMBA_CACHE_DIR, less
a second run_batch (about 30 s on this machine, so not by default). The run takes about 2 minutes on 2 shared cores.

Usage: .venv/bin/python bench/bench_engine.py [--repeats 3] [--big-repeats 2] [--sizes 1 1000 10000] [--parity 20] [--compile]
(run from the repository root). The machine is shared (2 cores): the load average is printed with the table.
"""
import argparse, os, statistics, subprocess, sys, tempfile, time
from collections import namedtuple
from pathlib import Path
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / 'tests')]
from impac_research import materials, cashflows, waterfall  # noqa: E402
from impac_research.waterfall import (CLASS, GROUP, DEAL, PERIOD, SWAP, IN, PATH, EVENT, BOND, TOL, CROSS_TARGET,  # noqa: E402
                                      LedgerError)
import waterfall_reference  # noqa: E402

# ---------------------------------------------------------------- the numpy layout: state
class Bond:
    "One class over S scenarios: what it carries from period to period, (S,) each, and its outputs (len(BOND), n, S)."
    def __init__(self, deal, b, out):
        terms, S = deal.class_terms[b], deal.events.shape[0]
        self.margin, self.stepup, self.cap = terms[CLASS.margin], terms[CLASS.stepup], terms[CLASS.cap]
        self.balance = np.full(S, terms[CLASS.balance])
        self.basis_risk_unpaid, self.interest_shortfall_unpaid = np.zeros(S), np.zeros(S)
        self.writedown_unreimbursed = np.zeros(S)        # the 1-B-1's; stays zero for a senior class
        self.out = out[b]

class Group:
    "One loan group: its classes, its Priority of Payments, its collections (len(IN), n, S) and its funds this period, (S,) each."
    def __init__(self, deal, g, x, seniors, subordinates, priority):
        self.terms, self.x, self.priority = deal.group_terms[g], x[g], priority
        self.senior, self.subordinates = seniors[0], subordinates
        self.bonds = seniors + subordinates               # in order of priority
        self.swap_notional, self.swap_fixed_amount = deal.swap_terms[g, SWAP.notional], deal.swap_terms[g, SWAP.fixed_amount]
        self.insurer_reimbursement_due = np.zeros(deal.events.shape[0])
        self.failed = np.zeros(deal.events.shape[0], bool)
    def balance(self): return sum(b.balance for b in self.bonds)   # (S,)

Period = namedtuple('Period', 'k days tau fixed_accrual float_accrual libor trigger delinquency stepped carveout call live '
                              'premium_rate oc_release')

def period(deal, paths, k, last):
    "What every clause of payment date k reads besides the groups: the schedule, LIBOR, trigger and the scenario masks."
    days, terms, ev = deal.period_terms[PERIOD.days, k], deal.deal_terms, deal.events
    return Period(k, days, days / 360.0, deal.period_terms[PERIOD.swap_fixed_accrual, k], deal.period_terms[PERIOD.swap_float_accrual, k],
                  paths[PATH.libor, k], paths[PATH.trigger, k] > 0, paths[PATH.delinquency, k], k + 1 > ev[:, EVENT.first_call],
                  (ev[:, EVENT.carveout] > 0) & (k + 1 >= terms[DEAL.carveout_from]), ev[:, EVENT.call] == k + 1,
                  (k < last).astype(float), terms[DEAL.premium_rate], bool(terms[DEAL.oc_release]))

def pay(due, funds):
    "Pay `due` out of `funds` in every scenario at once; return (paid, funds left)."
    paid = np.minimum(due, funds); return paid, funds - paid

def pay_principal(g, bond, amount, p):
    "Principal `amount` (S,) to `bond` out of group g's funds."
    bond.balance = bond.balance - amount; bond.out[BOND.principal, p.k] += amount; g.uses += amount

def pay_group_principal(g, amount, p):
    "Pay `amount` to the group's classes pro rata by balance, the last taking the rest; each capped at its balance."
    total = g.balance(); total = np.where(total > 0, total, 1.0)
    for bond in g.bonds[:-1]:
        paid = np.minimum(amount * bond.balance / total, bond.balance); amount = amount - paid; pay_principal(g, bond, paid, p)
    pay_principal(g, g.bonds[-1], np.minimum(amount, g.bonds[-1].balance), p)

# ---------------------------------------------------------------- the numpy layout: clauses
def collect_available_funds(g, p):
    "Collections less Net Derivative Fees and the Ambac premium (the carveout is retained); sets the Available Funds Rate."
    x, k = g.x, p.k
    for name in ('net_interest', 'principal', 'recoveries', 'loss', 'pool_start', 'pool_end'):
        setattr(g, name, x[getattr(IN, name), k] * p.live)            # nothing is collected after the call date
    for bond in g.bonds: bond.out[BOND.begin_balance, k] = bond.balance
    bonds, g.collected = g.balance(), g.principal + g.recoveries
    net = net_swap_receipt(g, p, bonds)
    fees_due, g.swap_receipts = np.maximum(-net, 0.0), np.maximum(net, 0.0)
    premium = p.premium_rate / 1200.0 * g.senior.balance
    carveout = np.where(p.carveout, x[IN.surety_carveout, k], 0.0)
    fees_paid, available = pay(fees_due, g.net_interest + g.collected)
    premium_paid, available = pay(premium, available)
    g.sources, g.uses = g.net_interest + g.collected + g.swap_receipts, fees_paid + premium_paid
    g.interest_funds = np.maximum(g.net_interest - fees_paid - premium_paid, 0.0)
    g.available_funds = available - g.interest_funds
    g.fee_from_principal, g.oc_before, g.principal_paid = g.collected - g.available_funds, g.pool_start - bonds, 0.0
    numerator = g.net_interest - fees_due - premium - carveout + x[IN.interest_shortfall, k]
    g.afr = np.maximum(numerator, 0.0) * (36000.0 / p.days / np.where(bonds > 0, bonds, np.inf))

def net_swap_receipt(g, p, bonds):
    "What the balance-guaranteed swaps pay the trust (negative: a Net Derivative Fee); notional capped at the pool."
    scheduled = g.swap_notional[p.k]
    if scheduled <= 0.0: return np.zeros_like(bonds)     # the schedule, the same in every scenario
    scale = np.minimum(1.0, g.pool_start / scheduled)
    net = scale * (scheduled * p.libor * p.float_accrual - g.swap_fixed_amount[p.k] * p.fixed_accrual) / 100.0
    return np.where(bonds > 0.0, net, 0.0)

def pay_current_interest(g, p):
    "G1 1 / G2 1: interest funds to the classes in order at the Note Rate; Basis Risk Amounts and shortfalls carry forward."
    for bond in g.bonds:
        margin = np.where(p.stepped, bond.margin * bond.stepup, bond.margin)
        capped = np.minimum(p.libor + margin, bond.cap)
        rate = np.maximum(np.minimum(capped, g.afr), 0.0)                   # the Note Rate
        current = bond.balance * rate / 100.0 * p.tau
        basis_risk = np.maximum(bond.balance * (capped - rate) / 100.0 * p.tau, 0.0)
        bond.basis_risk_unpaid = bond.basis_risk_unpaid * (1.0 + np.maximum(capped, 0.0) / 100.0 * p.tau) + basis_risk
        bond.interest_shortfall_unpaid = bond.interest_shortfall_unpaid * (1.0 + rate / 100.0 * p.tau)
        paid, g.interest_funds = pay(current, g.interest_funds)
        g.uses += paid; bond.interest_shortfall_unpaid += current - paid
        o, k = bond.out, p.k
        o[BOND.libor, k], o[BOND.margin, k], o[BOND.coupon, k], o[BOND.basis_risk_shortfall, k] = p.libor, margin, rate, basis_risk
        o[BOND.interest, k] = o[BOND.current_interest_paid, k] = paid; o[BOND.interest_shortfall, k] = current - paid
    g.available_funds = g.available_funds + g.interest_funds

def principal_distribution_amounts(g, p):
    "The OC target (before / after the stepdown date, trigger), the OC release, and each class's pro rata share."
    t, stepdown, bonds = g.terms, g.x[IN.stepdown, p.k] > 0, g.balance()
    excess_cash = np.maximum(g.available_funds - np.minimum(g.collected, bonds), 0.0)
    delinquency_test = t[GROUP.delinquency_multiple] * np.maximum(
        t[GROUP.delinquency_share] * p.delinquency * g.pool_end - t[GROUP.excess_cash_multiple] * excess_cash, 0.0)
    after = np.maximum(np.maximum(t[GROUP.oc_target_post_stepdown] * g.pool_end, t[GROUP.oc_floor]), delinquency_test)
    g.oc_target = np.where(stepdown, np.where(p.trigger, t[GROUP.oc_target_trigger], after), t[GROUP.oc_target_pre_stepdown])
    releasing = stepdown & ~p.trigger & p.oc_release
    release = np.minimum(g.collected, np.maximum(0.0, g.pool_end - (bonds - np.minimum(g.collected, bonds)) - g.oc_target))
    g.distribution = g.collected - np.where(releasing, release, 0.0)
    for bond in g.bonds: bond.share = np.where(bonds > 0, bond.balance / np.where(bonds > 0, bonds, 1.0), 0.0)

def pay_class_distribution(g, bond, p):
    "Pay `bond` its share of the principal distribution amount, within its balance and the funds left."
    paid = np.minimum(np.minimum(g.distribution * bond.share, bond.balance), g.available_funds)
    g.available_funds = g.available_funds - paid; g.principal_paid = g.principal_paid + paid
    pay_principal(g, bond, paid, p)

def pay_senior_principal_distribution(g, p):
    "G1 2 / G2 2: the Class 1-A-1 (2-A-1) Principal Distribution Amount."
    pay_class_distribution(g, g.senior, p)

def reimburse_insurer(g, p):
    "G1 3 / G2 3: to Ambac, for prior draws on the Bond Insurance Policy."
    paid, g.available_funds = pay(g.insurer_reimbursement_due, g.available_funds)
    g.insurer_reimbursement_due = g.insurer_reimbursement_due - paid; g.uses += paid

def pay_subordinate_principal_distribution(g, p):
    "G1 4: the Class 1-B-1 Principal Distribution Amount."
    for bond in g.subordinates: pay_class_distribution(g, bond, p)

def restore_overcollateralization(g, p):
    "G1 5 / G2 4: what is left is Excess Cash Flow; paid as principal until the OC reaches its target."
    g.excess_cash_flow, bonds = g.available_funds, g.balance()
    build = np.minimum(np.minimum(g.excess_cash_flow, np.maximum(g.oc_target - (g.pool_end - bonds), 0.0)), bonds)
    g.excess_cash_flow = g.excess_cash_flow - build
    pay_group_principal(g, build, p)
    g.build_own, g.principal_paid = build, g.principal_paid + build

def restore_other_group_overcollateralization(g, h, p):
    "G1 6 / G2 5: Excess Cash Flow left restores the other group's OC to its target (reading 'target')."
    bonds = h.balance()
    transfer = np.minimum(np.minimum(g.excess_cash_flow, np.maximum(h.oc_target - (h.pool_end - bonds), 0.0)), bonds)
    g.excess_cash_flow = g.excess_cash_flow - transfer; g.uses += transfer; h.sources += transfer
    pay_group_principal(h, transfer, p)
    h.build_in, h.principal_paid = transfer, h.principal_paid + transfer

def pay_unpaid_interest_shortfalls(g, p):
    "G1 7 / G2 6: Unpaid Interest Shortfall Amounts, in order."
    for bond in g.bonds:
        paid, g.excess_cash_flow = pay(bond.interest_shortfall_unpaid, g.excess_cash_flow)
        bond.interest_shortfall_unpaid = bond.interest_shortfall_unpaid - paid; bond.out[BOND.interest, p.k] += paid; g.uses += paid

def reimburse_subordinate_writedowns(g, p):
    "G1 8: to the Class 1-B-1 for previously unreimbursed Realized Losses."
    for bond in g.subordinates:
        paid, g.excess_cash_flow = pay(bond.writedown_unreimbursed, g.excess_cash_flow)
        bond.writedown_unreimbursed = bond.writedown_unreimbursed - paid; bond.out[BOND.writedown_reimbursed, p.k] = paid; g.uses += paid

def pay_basis_risk_amounts(g, p):
    "G1 9 / G2 7: Basis Risk Amounts in order, from the swaps' receipts, then from Excess Cash Flow."
    for pot in ('swap_receipts', 'excess_cash_flow'):
        for bond in g.bonds:
            paid, left = pay(bond.basis_risk_unpaid, getattr(g, pot)); setattr(g, pot, left)
            bond.basis_risk_unpaid = bond.basis_risk_unpaid - paid; bond.out[BOND.basis_risk_paid, p.k] += paid; g.uses += paid

def pay_certificates(g, p):
    "G1 10 / G2 8: what is left, unused swap receipts included, to the Certificates."
    g.uses += g.excess_cash_flow + g.swap_receipts
    for bond in g.bonds: bond.out[BOND.basis_risk_unpaid, p.k] = bond.basis_risk_unpaid

def write_down_subordinates(g, p, uncovered):
    "Bonds above the pool: the 1-B-1 written down first."
    for bond in g.subordinates:
        writedown = np.where(uncovered > TOL, np.minimum(uncovered, bond.balance), 0.0)
        bond.balance = bond.balance - writedown; bond.writedown_unreimbursed = bond.writedown_unreimbursed + writedown
        bond.out[BOND.writedown, p.k] = writedown; g.writedown = g.writedown + writedown
        uncovered = uncovered - writedown
    return uncovered

def draw_on_insurer(g, p, uncovered, hit):
    "What is still uncovered: an Ambac draw paid to the insured senior class."
    draw = np.where(hit, np.minimum(np.maximum(uncovered, 0.0), g.senior.balance), 0.0)
    g.insurer_reimbursement_due = g.insurer_reimbursement_due + draw; g.sources += draw
    pay_principal(g, g.senior, draw, p); g.senior.out[BOND.insured_principal, p.k] = draw
    g.draw = draw

def allocate_realized_losses(g, p):
    "Realized Losses: own Excess Cash Flow, the other group's, the OC, the 1-B-1, then Ambac; the OC must roll."
    uncovered, g.writedown = g.balance() - g.pool_end, 0.0
    draw_on_insurer(g, p, write_down_subordinates(g, p, uncovered), uncovered > TOL)
    own = np.minimum(g.loss, g.build_own); other = np.minimum(g.loss - own, g.build_in)
    loss_oc = g.loss - own - other - g.writedown - g.draw
    rolled = g.oc_before - g.collected - g.loss + g.principal_paid + g.writedown + g.draw
    g.failed |= np.abs(g.pool_end - g.balance() - rolled) > 4 * TOL
    g.failed |= (g.fee_from_principal <= TOL) & (loss_oc < -4 * TOL)

def exercise_clean_up_call(groups, p):
    "The called scenarios: pool bought at its balance; bonds retired, then Ambac and 1-B-1 writedowns; the rest to the Certificates."
    if not p.call.any(): return                              # no scenario is called on this date: nothing to do
    for g in groups:
        proceeds = np.where(p.call, g.pool_end, 0.0); g.sources += proceeds
        for bond in g.bonds:
            paid, proceeds = pay(bond.balance, proceeds); pay_principal(g, bond, paid, p); bond.out[BOND.call_principal, p.k] = paid
        paid, proceeds = pay(g.insurer_reimbursement_due, proceeds)
        g.insurer_reimbursement_due = g.insurer_reimbursement_due - paid; g.uses += paid
        for bond in g.subordinates:
            paid, proceeds = pay(bond.writedown_unreimbursed, proceeds)
            bond.writedown_unreimbursed = bond.writedown_unreimbursed - paid; bond.out[BOND.writedown_reimbursed, p.k] += paid; g.uses += paid
        g.uses += proceeds

Priority = namedtuple('Priority', 'own rest')
GROUP_1 = Priority(own=(collect_available_funds, pay_current_interest, principal_distribution_amounts, pay_senior_principal_distribution,
                        reimburse_insurer, pay_subordinate_principal_distribution, restore_overcollateralization),     # G1 1-5
                   rest=(pay_unpaid_interest_shortfalls, reimburse_subordinate_writedowns, pay_basis_risk_amounts,
                         pay_certificates))                                                                      # G1 7-10
GROUP_2 = Priority(own=(collect_available_funds, pay_current_interest, principal_distribution_amounts, pay_senior_principal_distribution,
                        reimburse_insurer, restore_overcollateralization),                                     # G2 1-4
                   rest=(pay_unpaid_interest_shortfalls, pay_basis_risk_amounts, pay_certificates))             # G2 6-8

def run_period(groups, p):
    "One payment date, every scenario at once: both groups' Priority of Payments in the document's order."
    for g in groups:
        for clause in g.priority.own: clause(g, p)
    for g, h in zip(groups, groups[::-1]): restore_other_group_overcollateralization(g, h, p)   # G1 6, then G2 5
    for g in groups:
        for clause in g.priority.rest: clause(g, p)
    for g in groups: allocate_realized_losses(g, p)
    exercise_clean_up_call(groups, p)
    for g in groups:
        g.failed |= np.abs(g.sources - g.uses) > TOL
        for bond in g.bonds: bond.out[BOND.end_balance, p.k] = bond.balance

def everything_paid(groups):
    "(S,) no class has a balance and nothing is owed to Ambac, the 1-B-1 or any class."
    bonds = [b for g in groups for b in g.bonds]
    owed = sum(g.insurer_reimbursement_due for g in groups) + sum(b.writedown_unreimbursed for b in bonds)
    largest = np.max([a for b in bonds for a in (b.balance, b.basis_risk_unpaid, b.interest_shortfall_unpaid)], axis=0)
    return (owed < 1e-6) & (largest < 1e-6)

def run_numpy(deal):
    "Every scenario of a prepared batch through the numpy layout: bond outputs (3, len(BOND), n, S); raises on a broken identity."
    t = deal.deal_terms
    shipped = (t[DEAL.premium_subordinate] == 0 and t[DEAL.carveout_cash_paid] == 0 and t[DEAL.swap_cap_on_bonds] == 0
               and t[DEAL.cross_support] == CROSS_TARGET and not deal.group_terms[:, GROUP.sequential_oc_build].any())
    if not shipped: raise NotImplementedError("the numpy layout mirrors the shipped readings only")
    S, n = deal.events.shape[0], deal.period_terms.shape[1]
    x = np.ascontiguousarray(deal.group_in.transpose(1, 2, 3, 0))        # (2, len(IN), n, S): one period is contiguous
    paths = np.ascontiguousarray(deal.paths.transpose(1, 2, 0))           # (len(PATH), n, S)
    out = np.zeros((3, len(BOND), n, S))
    bonds = [Bond(deal, b, out) for b in range(3)]
    groups = [Group(deal, 0, x, (bonds[0],), (bonds[1],), GROUP_1), Group(deal, 1, x, (bonds[2],), (), GROUP_2)]
    call = deal.events[:, EVENT.call]; last = np.where(call > 0, call, n)
    for k in range(int(last.max())):
        p = period(deal, paths, k, last)
        run_period(groups, p)
        if ((call > 0) & (k + 1 >= call) | (call == 0) & everything_paid(groups)).all(): break
    bad = np.flatnonzero(groups[0].failed | groups[1].failed)
    if len(bad): raise LedgerError(f"numpy layout: scenario {bad[0]}: sources != uses or the OC does not roll")
    return out

# ---------------------------------------------------------------- measurement
def scenarios(eng, S, seed):
    "S random scenarios as a collateral batch {group: {column: (S, n)}} and their (speed, cdr, severity, lag)."
    rng = np.random.default_rng(seed)
    knobs = dict(speed=rng.uniform(50, 250, S), cdr=rng.uniform(0, 10, S), severity=rng.uniform(0.3, 0.5, S), lag=rng.integers(0, 13, S))
    return eng.project_batch(**knobs, columns=cashflows.WATERFALL_COLUMNS), knobs

def head(coll, S):
    "The first S scenarios of a collateral batch."
    return {g: {c: v[:S] for c, v in cols.items()} for g, cols in coll.items()}

def median_ms(f, repeats, per=1, setup=None):
    "Median wall time of `repeats` calls of f (after `setup()`, untimed), in ms per scenario (`per` scenarios a call)."
    ts = []
    for _ in range(repeats):
        if setup: setup()
        t = time.perf_counter(); f(); ts.append(time.perf_counter() - t)
    return 1000 * statistics.median(ts) / per

def parity(coll, libor, S, stress=False):
    """Max |numpy - numba| per BOND field over S scenarios, to call and to maturity, in the periods the numba engine ran, and
    how many runs reached each corner. `stress`: LIBOR +300 bp and PPIS as large as the net interest (the AFR doubles:
    current interest falls short), a trigger event in every other scenario, 5% delinquent."""
    worst, seen, c = {}, {}, head(coll, S)
    kw = dict(trigger=np.arange(S) % 2 == 1, delinquency=0.05) if stress else {}
    libor = libor + 3.0 if stress else libor
    for g in (c if stress else ()): c[g]['interest_shortfall'] = c[g]['net_interest'].copy()
    for call in (True, False):
        deal = waterfall.run_batch(c, libor, call=call, **kw); numba_out = deal.bond_out     # (S, 3, len(BOND), n)
        numpy_out = run_numpy(waterfall.prepare_batch(c, libor, call=call, **kw)).transpose(3, 0, 1, 2)
        for name, field in (('writedown', BOND.writedown), ('insurer draw', BOND.insured_principal), ('interest shortfall', BOND.interest_shortfall),
                            ('basis risk paid', BOND.basis_risk_paid), ('writedown reimbursed', BOND.writedown_reimbursed)):
            seen[name] = seen.get(name, 0) + int((numba_out[:, :, field] > 0.005).any((1, 2)).sum())
        for name, line in (('OC release', waterfall.OUT.oc_release), ('cross-collateral', waterfall.OUT.oc_build_in),
                           ('swap receipts', waterfall.OUT.src_swap_receipts), ('Net Derivative Fees', waterfall.OUT.use_swap_payments)):
            seen[name] = seen.get(name, 0) + int((deal.group_out[:, :, line] > 0.005).any((1, 2)).sum())
        late = numba_out[:, :, BOND.interest] - numba_out[:, :, BOND.current_interest_paid]
        seen['shortfall repaid'] = seen.get('shortfall repaid', 0) + int((late > 0.005).any((1, 2)).sum())
        seen['called'] = seen.get('called', 0) + int((deal.events[:, EVENT.call] > 0).sum())
        ran = (numba_out[:, :1, BOND.libor] != 0)                                        # (S, 1, n): before the call / the end
        for f, i in BOND._asdict().items():
            worst[f] = max(worst.get(f, 0.0), float(np.abs(np.where(ran, numba_out[:, :, i] - numpy_out[:, :, i], 0.0)).max()))
            if f in ('principal', 'interest', 'writedown'):                            # these: in every period
                worst[f] = max(worst[f], float(np.abs(numba_out[:, :, i] - numpy_out[:, :, i]).max()))
    return worst, seen

def zero_outputs(deal):
    "Outputs back to zero, so that a prepared deal can be run again (the pages stay mapped)."
    deal.bond_out[:] = 0.0; deal.group_out[:] = 0.0; deal.failure[:] = 0.0

COLD = """
import time, numpy as np
t = time.perf_counter()
from impac_research import waterfall
coll = {g: waterfall.level_pay_collateral(g, n=120) for g in (1, 2)}; libor = np.full(120, 1.4)
t0 = time.perf_counter(); waterfall.run_batch(coll, libor); t1 = time.perf_counter(); waterfall.run_batch(coll, libor); t2 = time.perf_counter()
print(t0 - t, (t1 - t0) - (t2 - t1))
"""

def cold_compile():
    "(import seconds, compile seconds) of the numba engine in a fresh process with an empty numba cache."
    with tempfile.TemporaryDirectory() as d:
        env = dict(os.environ, NUMBA_CACHE_DIR=d)
        r = subprocess.run([sys.executable, '-c', COLD], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    if r.returncode: raise RuntimeError(r.stderr[-2000:])
    return tuple(float(v) for v in r.stdout.split()[-2:])

def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument('--repeats', type=int, default=3); ap.add_argument('--big-repeats', type=int, default=2, help='from S = 5,000')
    ap.add_argument('--sizes', type=int, nargs='+', default=[1, 1000, 10000])
    ap.add_argument('--parity', type=int, default=20); ap.add_argument('--reference', type=int, default=6, help='scenarios timed one by one')
    ap.add_argument('--compile', action='store_true', help='also the cold compile time (~30 s)')
    a = ap.parse_args(argv)
    load0 = os.getloadavg()[0]
    compile_s = cold_compile() if a.compile else None
    eng, libor = materials._engine(None, 'forward', 0.0, 1, materials._model_key())
    coll, knobs = scenarios(eng, max(max(a.sizes), a.parity, a.reference), seed=7)
    core = 0.0
    for stress in (False, True):
        worst, seen = parity(coll, libor, a.parity, stress)
        core = max(core, max(worst[f] for f in ('principal', 'interest', 'writedown')))
        print(f"parity{' (stress corner)' if stress else ''}, numpy layout vs numba engine, {a.parity} scenarios x (call, maturity): "
              f"max |difference| principal/interest/writedown {max(worst[f] for f in ('principal', 'interest', 'writedown')):.2e}; "
              f"all BOND fields {max(worst.values()):.2e}" + ''.join(f"\n  {f} differs by {v:.4f}" for f, v in worst.items() if v > 0.005)
              + f"\n  runs (of {2 * a.parity}) with: " + ', '.join(f"{k} {v}" for k, v in seen.items()))
    if core > 0.005: raise SystemExit("the numpy layout does not match the numba engine: no timing")
    rows = {}
    for call, horizon in ((False, 'maturity'), (True, 'call')):
        singles = [dict(eng.project(speed=knobs['speed'][i], cdr=knobs['cdr'][i], severity=knobs['severity'][i], lag=int(knobs['lag'][i])))
                   for i in range(a.reference)]
        rows[('reference', horizon, 1)] = median_ms(lambda: [waterfall_reference.run_deal(c, libor, call=call) for c in singles],
                                                    a.repeats, a.reference)
        for S in a.sizes:
            c, r = head(coll, S), (a.big_repeats if S >= 5000 else a.repeats)
            rows[('numba run_batch', horizon, S)] = median_ms(lambda: waterfall.run_batch(c, libor, call=call), r, S)
            deal = waterfall.prepare_batch(c, libor, call=call)
            rows[('numpy run', horizon, S)] = median_ms(lambda: run_numpy(deal), r, S)
            rows[('numba kernel, 1 thread', horizon, S)] = median_ms(lambda: waterfall.run_scenarios(deal, 0, S), r, S,
                                                                   lambda: zero_outputs(deal))   # the same prepared inputs
            del deal
            rows[('numpy prepare+run', horizon, S)] = median_ms(lambda: run_numpy(waterfall.prepare_batch(c, libor, call=call)), r, S)
    print(f"\nms per scenario, median of {a.repeats} runs ({a.big_repeats} from S = 5,000); x reference = reference time / this "
          f"time, same horizon; run_batch runs run_all's default threads ({min(os.cpu_count() or 1, 8)} from S = 64); "
          f"load average {load0:.2f} -> {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    print(f"{'layout':<24} {'horizon':<9} {'S':>6} {'ms/scenario':>12} {'x reference':>12}")
    order = ('reference', 'numba run_batch', 'numba kernel, 1 thread', 'numpy prepare+run', 'numpy run')
    for (layout, horizon, S), ms in sorted(rows.items(), key=lambda kv: (kv[0][1] == 'call', kv[0][2], order.index(kv[0][0]))):
        print(f"{layout:<24} {horizon:<9} {S:>6} {ms:>12.4f} {rows[('reference', horizon, 1)] / ms:>12.1f}")
    if compile_s: print(f"\nnumba, cold process (empty NUMBA_CACHE_DIR): import {compile_s[0]:.2f} s, compile (first run_batch - second) {compile_s[1]:.2f} s")

if __name__ == '__main__':
    main()
