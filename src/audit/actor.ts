/**
 * Who runs a command: the CI job when the environment says it runs in one (GitHub Actions,
 * Airflow, GitLab CI, any CI setting CI=true), otherwise the operating-system user. Pure:
 * the environment and the OS user name are passed in.
 */
export interface AuditActor {
  /** A readable name: `alice`, `github:acme/lake#123456/load`, `airflow:daily_load.load_crm`. */
  actor: string;
  /** `user` or `ci`. */
  kind: 'user' | 'ci';
  /** github, airflow, gitlab, ci; null for a user. */
  ciSystem: string | null;
  /** The CI run or job id; null for a user. */
  ciJob: string | null;
  osUser: string | null;
}

type Env = Readonly<Record<string, string | undefined>>;

const set = (v: string | undefined): v is string => v !== undefined && v.trim() !== '';

export function auditActor(env: Env, osUser: string | null): AuditActor {
  const user = osUser ?? (set(env.USER) ? env.USER : set(env.USERNAME) ? env.USERNAME : null);
  if (env.GITHUB_ACTIONS === 'true' || set(env.GITHUB_RUN_ID)) {
    const repo = env.GITHUB_REPOSITORY ?? 'unknown';
    const run = env.GITHUB_RUN_ID ?? 'unknown';
    const job = set(env.GITHUB_JOB) ? `/${env.GITHUB_JOB}` : '';
    const who = set(env.GITHUB_ACTOR) ? ` (${env.GITHUB_ACTOR})` : '';
    return { actor: `github:${repo}#${run}${job}${who}`, kind: 'ci', ciSystem: 'github', ciJob: run, osUser: user };
  }
  if (set(env.AIRFLOW_CTX_DAG_ID)) {
    const task = set(env.AIRFLOW_CTX_TASK_ID) ? `.${env.AIRFLOW_CTX_TASK_ID}` : '';
    const run = set(env.AIRFLOW_CTX_DAG_RUN_ID) ? env.AIRFLOW_CTX_DAG_RUN_ID : null;
    return { actor: `airflow:${env.AIRFLOW_CTX_DAG_ID}${task}`, kind: 'ci', ciSystem: 'airflow', ciJob: run, osUser: user };
  }
  if (set(env.CI_JOB_ID)) {
    const project = set(env.CI_PROJECT_PATH) ? env.CI_PROJECT_PATH : 'unknown';
    const who = set(env.GITLAB_USER_LOGIN) ? ` (${env.GITLAB_USER_LOGIN})` : '';
    return { actor: `gitlab:${project}#${env.CI_JOB_ID}${who}`, kind: 'ci', ciSystem: 'gitlab', ciJob: env.CI_JOB_ID!, osUser: user };
  }
  if (env.CI === 'true' || env.CI === '1') {
    return { actor: `ci:${user ?? 'unknown'}`, kind: 'ci', ciSystem: 'ci', ciJob: null, osUser: user };
  }
  return { actor: user ?? 'unknown', kind: 'user', ciSystem: null, ciJob: null, osUser: user };
}
