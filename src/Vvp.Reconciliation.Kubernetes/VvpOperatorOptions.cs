using Vvp.Reconciliation.Planning;
using Vvp.Reconciliation.Reconciling;
using Vvp.Reconciliation.Resources;

namespace Vvp.Reconciliation.Kubernetes;

/// <summary>
/// The operator's settings, under the documentation's names (<c>vvp.k8sOperator.enabled</c>, <c>identity</c>,
/// <c>watchedNamespaces</c>) plus how the controller runs. The reconciler's settings are held whole in
/// <see cref="Reconciler"/>; <see cref="Identity"/>, <see cref="WatchedNamespaces"/>, <see cref="AuthenticationRequired"/>
/// and <see cref="DeletionPolicy"/> read and write them there. Bound from configuration by
/// <c>AddVvpOperator(IConfiguration)</c>; checked by <see cref="Validate"/> before anything starts.
/// </summary>
public sealed class VvpOperatorOptions
{
    /// <summary>Whether the operator runs at all (<c>vvp.k8sOperator.enabled</c>). Default <see langword="true"/>.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The reconciler's settings (identity, watched namespaces, authentication, deletion policy, retries, the planner's settings).</summary>
    public ReconcilerOptions Reconciler { get; } = new();

    /// <summary>The operator identity (<c>vvp.k8sOperator.identity</c>): the owner recorded in each watched namespace's lock and in ownership markers.</summary>
    public string Identity
    {
        get => Reconciler.Identity;
        set => Reconciler.Identity = value;
    }

    /// <summary>The Kubernetes namespaces whose CRs this operator reconciles (<c>vvp.k8sOperator.watchedNamespaces</c>).</summary>
    public IList<string> WatchedNamespaces => Reconciler.WatchedNamespaces;

    /// <summary>Whether the platform requires an API token (each CR names its Secret with <c>apikeySecretName</c>).</summary>
    public bool AuthenticationRequired
    {
        get => Reconciler.AuthenticationRequired;
        set => Reconciler.AuthenticationRequired = value;
    }

    /// <summary>What deleting a CR does to its deployment. Default <see cref="DeletionPolicy.Orphan"/>.</summary>
    public DeletionPolicy DeletionPolicy
    {
        get => Reconciler.DeletionPolicy;
        set => Reconciler.DeletionPolicy = value;
    }

    /// <summary>How often every cached CR is reconciled again even without a change. Default 5 minutes.</summary>
    public TimeSpan ResyncPeriod { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How a resync reads the deployments of a platform namespace (<c>vvp.k8sOperator.listPlatformNamespaces</c>:
    /// <c>auto</c>, <c>true</c> or <c>false</c>). Default <see cref="PlatformNamespaceListing.Auto"/>: one LIST of a
    /// platform namespace that serves many CRs, one GET per CR otherwise. Reconciles started by a change of a CR always
    /// read their deployment directly.
    /// </summary>
    public PlatformNamespaceListing PlatformNamespaceListing { get; set; } = PlatformNamespaceListing.Auto;

    /// <summary>
    /// Whether every resync reads each platform namespace with one LIST: <see langword="true"/> when
    /// <see cref="PlatformNamespaceListing"/> is <see cref="PlatformNamespaceListing.Always"/>. Setting it sets
    /// <see cref="PlatformNamespaceListing"/> to <see cref="PlatformNamespaceListing.Always"/> or
    /// <see cref="PlatformNamespaceListing.Never"/>.
    /// </summary>
    [Obsolete("Use PlatformNamespaceListing, whose default, Auto, lists a platform namespace when it serves many CRs.")]
    public bool ListPlatformNamespaces
    {
        get => PlatformNamespaceListing == PlatformNamespaceListing.Always;
        set => PlatformNamespaceListing = value ? PlatformNamespaceListing.Always : PlatformNamespaceListing.Never;
    }

    /// <summary>
    /// How many CRs are reconciled at once. Default 4. A resync's keys hold at most <c>Workers − 1</c> of them (one with
    /// a single worker), so a new or edited CR finds a worker free even while a resync waits for the platform.
    /// </summary>
    public int Workers { get; set; } = 4;

    /// <summary>This replica's name in the leader-election Lease: the pod's name (<c>POD_NAME</c>) in a cluster. Default: the machine name and a random suffix.</summary>
    public string HolderIdentity { get; set; } = $"{Environment.MachineName}-{Guid.NewGuid():N}";

    /// <summary>The namespace of the leader-election Lease; default the first watched namespace.</summary>
    public string? LeaseNamespace { get; set; }

    /// <summary>How long a lease lasts without renewal before another replica may take it. Default 15 s.</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How long the leader keeps trying to renew before it stops working. Must be shorter than <see cref="LeaseDuration"/>. Default 10 s.</summary>
    public TimeSpan RenewDeadline { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often the lease is renewed, or tried by a standby. Default 2 s.</summary>
    public TimeSpan RetryPeriod { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long in-flight reconciles may run after a stop is asked for (SIGTERM). Default 13 s: at most
    /// <see cref="LeaseDuration"/> − <see cref="RetryPeriod"/> is used (a longer grace is cut to it, with a warning at
    /// start), so that work ends before another replica may take the lease.
    /// </summary>
    public TimeSpan ShutdownGrace { get; set; } = TimeSpan.FromSeconds(13);

    /// <summary>The bound of each Kubernetes API call (watches excepted). Default 30 s.</summary>
    public TimeSpan KubernetesCallTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long the API server keeps a watch open before the controller resumes it. Default 5 minutes.</summary>
    public TimeSpan WatchTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The first retry delay of a CR whose Kubernetes writes failed; it doubles per failure. Default 1 s.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The cap of that delay, and of relist backoff. Default 5 minutes.</summary>
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How many Events one CR may record at once before the rate applies. Default 25.</summary>
    public int EventBurst { get; set; } = 25;

    /// <summary>One more Event per CR is allowed per this interval once the burst is spent. Default 5 minutes.</summary>
    public TimeSpan EventRefill { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The Lease's name: <c>vvp-operator-</c> and the identity.</summary>
    public string LeaseName => $"vvp-operator-{Identity}";

    /// <summary>Checks every setting and reports every invalid one at once, each by its configuration key.</summary>
    /// <exception cref="ArgumentException">A setting is invalid.</exception>
    public void Validate() => Configuration.SettingsProblems.ThrowIfAny(Problems(KeyPrefix));

    /// <summary>Every configuration key under <c>vvp.k8sOperator</c>, as the documentation and the chart write them: what the binding of <c>AddVvpOperator(IConfiguration)</c> reads.</summary>
    public static IReadOnlyList<string> SettingNames => Microsoft.Extensions.DependencyInjection.VvpOperatorServiceCollectionExtensions.Names;

    /// <summary>The prefix of the operator's configuration keys, as the documentation and the chart write them.</summary>
    public const string KeyPrefix = "vvp.k8sOperator.";

    /// <summary>Every invalid setting, each named by its configuration key under <paramref name="prefix"/>.</summary>
    /// <param name="prefix">The keys' prefix; <c>vvp.k8sOperator.</c> by default.</param>
    /// <returns>One line per problem; empty when all is well.</returns>
    public IReadOnlyList<string> Problems(string prefix = KeyPrefix) => [.. FindProblems(prefix ?? string.Empty)];

    private IEnumerable<string> FindProblems(string prefix)
    {
        foreach (var problem in Reconciler.Problems(prefix))
        {
            yield return problem;
        }

        if (!string.IsNullOrWhiteSpace(Identity) && (!VvpDeploymentValidator.IsDns1123Label(Identity) || LeaseName.Length > 253))
        {
            yield return $"{prefix}identity '{Identity}' must be a DNS-1123 label (lowercase letters, digits and '-'): it names the leader-election Lease.";
        }

        if (string.IsNullOrWhiteSpace(HolderIdentity))
        {
            yield return $"{prefix}holderIdentity must not be empty (set POD_NAME).";
        }

        if (LeaseNamespace is { } ns && !VvpDeploymentValidator.IsDns1123Label(ns))
        {
            yield return $"{prefix}leaseNamespace '{ns}' is not a Kubernetes namespace name.";
        }

        if (Workers < 1)
        {
            yield return $"{prefix}workers must be at least 1 (it is {Workers}).";
        }

        if (!Enum.IsDefined(PlatformNamespaceListing))
        {
            yield return $"{prefix}listPlatformNamespaces must be auto, true or false (it is {(int)PlatformNamespaceListing}).";
        }

        if (RetryPeriod <= TimeSpan.Zero || RenewDeadline <= RetryPeriod || LeaseDuration <= RenewDeadline || LeaseDuration.TotalSeconds < 1)
        {
            yield return $"Leader election needs 0 < {prefix}retryPeriod ({RetryPeriod.TotalSeconds:0.###} s) < {prefix}renewDeadline ({RenewDeadline.TotalSeconds:0.###} s) < {prefix}leaseDuration ({LeaseDuration.TotalSeconds:0.###} s), and a leaseDuration of at least 1 s: work must stop before the lease can lapse.";
        }

        foreach (var (name, value) in new[] { ("resyncPeriod", ResyncPeriod), ("shutdownGrace", ShutdownGrace), ("kubernetesCallTimeout", KubernetesCallTimeout), ("watchTimeout", WatchTimeout), ("retryBaseDelay", RetryBaseDelay), ("retryMaxDelay", RetryMaxDelay), ("eventRefill", EventRefill) })
        {
            if (value <= TimeSpan.Zero)
            {
                yield return $"{prefix}{name} must be positive (it is {value.TotalSeconds:0.###} s).";
            }
        }

        if (EventBurst < 1)
        {
            yield return $"{prefix}eventBurst must be at least 1 (it is {EventBurst}).";
        }
    }
}
