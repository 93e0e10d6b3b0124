using Vvp.Reconciliation.Planning;
using Vvp.Reconciliation.Resources;

namespace Vvp.Reconciliation.Reconciling;

/// <summary>
/// Settings of <see cref="VvpDeploymentReconciler"/>, checked by <see cref="Validate"/> when the reconciler is made. The
/// planner's settings are held whole in <see cref="Planner"/>; <see cref="Identity"/>, <see cref="MarkerPrefix"/> and
/// <see cref="SyncingPredicate"/> read and write them there.
/// </summary>
public sealed class ReconcilerOptions
{
    /// <summary>The planner's settings (identity, marker prefix, system annotations, syncing predicate, depth limit), passed to it whole. Its clock is the reconciler's.</summary>
    public Planning.PlannerOptions Planner { get; set; } = Planning.PlannerOptions.Default;

    /// <summary>The operator identity (for ownership markers and namespace locks): <see cref="PlannerOptions.Identity"/>. Default <c>vvp-1</c>.</summary>
    public string Identity
    {
        get => Planner.Identity;
        set => Planner = Planner with { Identity = value };
    }

    /// <summary>The Kubernetes namespaces whose CRs this operator reconciles: non-empty, distinct, DNS-1123 labels.</summary>
    public IList<string> WatchedNamespaces { get; } = [];

    /// <summary>Whether the platform requires an API token (its authentication is enabled). Default <see langword="false"/>.</summary>
    public bool AuthenticationRequired { get; set; }

    /// <summary>
    /// Whether the host writes spec updates back into the CR or only reports them; forwards to
    /// <see cref="Planning.PlannerOptions.SpecWriteBack"/>. Default <see cref="Planning.SpecWriteBack.Write"/>.
    /// </summary>
    public Planning.SpecWriteBack SpecWriteBack
    {
        get => Planner.SpecWriteBack;
        set => Planner = Planner with { SpecWriteBack = value };
    }

    /// <summary>What a reconcile does with fields changed on the platform while the CR stayed the same. Default <see cref="Reconciling.DriftPolicy.Enforce"/>.</summary>
    public DriftPolicy DriftPolicy { get; set; } = DriftPolicy.Enforce;

    /// <summary>What deleting a CR does to its deployment. Default <see cref="Planning.DeletionPolicy.Orphan"/>.</summary>
    public DeletionPolicy DeletionPolicy { get; set; } = DeletionPolicy.Orphan;

    /// <summary>The prefix of the marker annotations: <see cref="PlannerOptions.MarkerPrefix"/>. Default <c>reconciliation.vvp/</c>.</summary>
    public string MarkerPrefix
    {
        get => Planner.MarkerPrefix;
        set => Planner = Planner with { MarkerPrefix = value };
    }

    /// <summary>Re-reads and re-plans after a 409 conflict before giving up as a transient failure. Default 3.</summary>
    public int MaxConflictRetries { get; set; } = 3;

    /// <summary>Retries of a transient failure within one reconcile. Default 2.</summary>
    public int TransientRetries { get; set; } = 2;

    /// <summary>The first delay between transient retries (doubling, with jitter). Default 200 ms.</summary>
    public TimeSpan TransientRetryDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>How soon to look again while the deployment is <c>TRANSITIONING</c>. Default 5 s.</summary>
    public TimeSpan TransitioningRequeue { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The first requeue after a transient failure; it doubles while the failure lasts. Default 10 s.</summary>
    public TimeSpan FailureRequeue { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The longest requeue after failures. Default 5 min.</summary>
    public TimeSpan MaxFailureRequeue { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// The longest <c>Retry-After</c> waited within a reconcile. A longer one ends the reconcile with that wait as the
    /// requeue hint (itself at most <see cref="MaxFailureRequeue"/>): nothing ever sleeps unbounded. Default 60 s.
    /// </summary>
    public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>The deadline of one whole reconcile, retries and waits included; past it the result is a transient failure. Default 2 min.</summary>
    public TimeSpan ReconcileTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// The randomness of the jitter on retry delays. Default <see cref="Random.Shared"/>; a seeded one makes delays
    /// repeatable in tests (it is then used by one reconcile at a time, as <see cref="Random"/> is not thread-safe).
    /// </summary>
    public Random Random { get; set; } = Random.Shared;

    /// <summary>Decides from the live deployment whether CR syncing is on (<see cref="PlannerOptions.SyncingPredicate"/>); <see langword="null"/> uses the marker annotation.</summary>
    public Func<System.Text.Json.Nodes.JsonObject, bool>? SyncingPredicate
    {
        get => Planner.SyncingPredicate;
        set => Planner = Planner with { SyncingPredicate = value };
    }

    /// <summary>Checks the options and reports every invalid one at once.</summary>
    /// <exception cref="ArgumentException">A setting is invalid; the message names each by its configuration key.</exception>
    public void Validate() => Configuration.SettingsProblems.ThrowIfAny(Problems());

    /// <summary>Every invalid setting, each named by its configuration key under <paramref name="prefix"/>.</summary>
    /// <param name="prefix">The keys' prefix, e.g. <c>vvp.k8sOperator.</c>; none by default.</param>
    /// <returns>One line per problem; empty when all is well.</returns>
    public IReadOnlyList<string> Problems(string prefix = "") => [.. FindProblems(prefix ?? string.Empty)];

    private IEnumerable<string> FindProblems(string prefix)
    {
        if (Planner is null)
        {
            yield return $"{prefix}planner must be set.";
            yield break;
        }

        if (string.IsNullOrWhiteSpace(Identity))
        {
            yield return $"{prefix}identity must not be empty.";
        }

        if (string.IsNullOrEmpty(MarkerPrefix))
        {
            yield return $"{prefix}markerPrefix must not be empty.";
        }

        if (WatchedNamespaces.Count == 0)
        {
            yield return $"{prefix}watchedNamespaces must name at least one Kubernetes namespace.";
        }

        foreach (var ns in WatchedNamespaces)
        {
            if (ns is null || !VvpDeploymentValidator.IsDns1123Label(ns))
            {
                yield return $"{prefix}watchedNamespaces: '{ns}' is not a Kubernetes namespace name (a DNS-1123 label: lowercase letters, digits and '-').";
            }
        }

        foreach (var duplicate in WatchedNamespaces.Where(n => n is not null).GroupBy(n => n, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            yield return $"{prefix}watchedNamespaces lists '{duplicate.Key}' twice.";
        }

        if (MaxConflictRetries < 0)
        {
            yield return $"{prefix}maxConflictRetries must not be negative (it is {MaxConflictRetries}).";
        }

        if (TransientRetries < 0)
        {
            yield return $"{prefix}transientRetries must not be negative (it is {TransientRetries}).";
        }

        foreach (var (name, value) in new[] { ("transientRetryDelay", TransientRetryDelay), ("maxRetryAfter", MaxRetryAfter) })
        {
            if (value < TimeSpan.Zero)
            {
                yield return $"{prefix}{name} must not be negative (it is {value}).";
            }
        }

        foreach (var (name, value) in new[] { ("transitioningRequeue", TransitioningRequeue), ("failureRequeue", FailureRequeue), ("maxFailureRequeue", MaxFailureRequeue), ("reconcileTimeout", ReconcileTimeout) })
        {
            if (value <= TimeSpan.Zero)
            {
                yield return $"{prefix}{name} must be positive (it is {value}).";
            }
        }

        if (Random is null)
        {
            yield return $"{prefix}random must be set.";
        }

        if (Planner.MaxDepth < 1)
        {
            yield return $"{prefix}planner.maxDepth must be at least 1 (it is {Planner.MaxDepth}).";
        }
    }

    /// <summary>The planner's options on the reconciler's clock.</summary>
    /// <param name="timeProvider">The clock.</param>
    /// <returns>The planner options.</returns>
    public Planning.PlannerOptions PlannerOptions(TimeProvider timeProvider) => Planner with { TimeProvider = timeProvider };
}
