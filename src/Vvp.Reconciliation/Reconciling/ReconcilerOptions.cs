using Vvp.Reconciliation.Planning;
using Vvp.Reconciliation.Resources;

namespace Vvp.Reconciliation.Reconciling;

/// <summary>Settings of <see cref="VvpDeploymentReconciler"/>, checked by <see cref="Validate"/> when the reconciler is made.</summary>
public sealed class ReconcilerOptions
{
    /// <summary>The operator identity (for ownership markers and namespace locks). Default <c>vvp-1</c>.</summary>
    public string Identity { get; set; } = "vvp-1";

    /// <summary>The Kubernetes namespaces whose CRs this operator reconciles: non-empty, distinct, DNS-1123 labels.</summary>
    public IList<string> WatchedNamespaces { get; } = [];

    /// <summary>Whether the platform requires an API token (its authentication is enabled). Default <see langword="false"/>.</summary>
    public bool AuthenticationRequired { get; set; }

    /// <summary>What deleting a CR does to its deployment. Default <see cref="Planning.DeletionPolicy.Orphan"/>.</summary>
    public DeletionPolicy DeletionPolicy { get; set; } = DeletionPolicy.Orphan;

    /// <summary>The prefix of the marker annotations. Default <c>reconciliation.vvp/</c>.</summary>
    public string MarkerPrefix { get; set; } = "reconciliation.vvp/";

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

    /// <summary>Decides from the live deployment whether CR syncing is on; <see langword="null"/> uses the marker annotation.</summary>
    public Func<System.Text.Json.Nodes.JsonObject, bool>? SyncingPredicate { get; set; }

    /// <summary>Checks the options.</summary>
    /// <exception cref="ArgumentException">An option is invalid; the message says which and why.</exception>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Identity))
        {
            throw new ArgumentException("ReconcilerOptions.Identity must not be empty.");
        }

        if (WatchedNamespaces.Count == 0)
        {
            throw new ArgumentException("ReconcilerOptions.WatchedNamespaces must name at least one Kubernetes namespace.");
        }

        var duplicate = WatchedNamespaces.GroupBy(n => n, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new ArgumentException($"ReconcilerOptions.WatchedNamespaces lists '{duplicate.Key}' twice.");
        }

        var invalid = WatchedNamespaces.FirstOrDefault(n => n is null || !VvpDeploymentValidator.IsDns1123Label(n));
        if (invalid is not null || WatchedNamespaces.Any(n => n is null))
        {
            throw new ArgumentException($"ReconcilerOptions.WatchedNamespaces: '{invalid}' is not a Kubernetes namespace name (a DNS-1123 label).");
        }

        if (MaxConflictRetries < 0 || TransientRetries < 0)
        {
            throw new ArgumentException("ReconcilerOptions retry counts must not be negative.");
        }

        ArgumentNullException.ThrowIfNull(Random);
        if (MaxRetryAfter < TimeSpan.Zero || ReconcileTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentException("ReconcilerOptions.MaxRetryAfter must not be negative and ReconcileTimeout must be positive.");
        }

        PlannerOptions(TimeProvider.System).Validate();
    }

    /// <summary>The planner options these settings imply.</summary>
    /// <param name="timeProvider">The clock.</param>
    /// <returns>The planner options.</returns>
    public PlannerOptions PlannerOptions(TimeProvider timeProvider) => new()
    {
        Identity = Identity,
        MarkerPrefix = MarkerPrefix,
        SyncingPredicate = SyncingPredicate,
        TimeProvider = timeProvider,
    };
}
