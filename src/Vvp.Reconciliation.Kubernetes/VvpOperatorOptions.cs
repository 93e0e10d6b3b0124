using Vvp.Reconciliation.Planning;
using Vvp.Reconciliation.Reconciling;
using Vvp.Reconciliation.Resources;

namespace Vvp.Reconciliation.Kubernetes;

/// <summary>
/// The operator's settings, under the documentation's names (<c>vvp.k8sOperator.enabled</c>, <c>identity</c>,
/// <c>watchedNamespaces</c>) plus how the controller runs. Bound from configuration by
/// <c>AddVvpOperator(IConfiguration)</c>; checked by <see cref="Validate"/> before anything starts.
/// </summary>
public sealed class VvpOperatorOptions
{
    /// <summary>Whether the operator runs at all (<c>vvp.k8sOperator.enabled</c>). Default <see langword="true"/>.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The operator identity (<c>vvp.k8sOperator.identity</c>): the owner recorded in each watched namespace's lock.</summary>
    public string Identity { get; set; } = "vvp-1";

    /// <summary>The Kubernetes namespaces whose CRs this operator reconciles (<c>vvp.k8sOperator.watchedNamespaces</c>).</summary>
    public IList<string> WatchedNamespaces { get; } = [];

    /// <summary>Whether the platform requires an API token (each CR names its Secret with <c>apikeySecretName</c>).</summary>
    public bool AuthenticationRequired { get; set; }

    /// <summary>What deleting a CR does to its deployment. Default <see cref="DeletionPolicy.Orphan"/>.</summary>
    public DeletionPolicy DeletionPolicy { get; set; } = DeletionPolicy.Orphan;

    /// <summary>How often every cached CR is reconciled again even without a change. Default 5 minutes.</summary>
    public TimeSpan ResyncPeriod { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Whether a resync reads each platform namespace with one LIST, shared by the CRs that target it, instead of one
    /// GET per CR. Reconciles started by a change of a CR still read their deployment directly. Default
    /// <see langword="false"/>; worth it when many CRs share a platform namespace.
    /// </summary>
    public bool ListPlatformNamespaces { get; set; }

    /// <summary>How many CRs are reconciled at once. Default 4.</summary>
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

    /// <summary>How long in-flight reconciles may run after a stop is asked for (SIGTERM). Default 20 s.</summary>
    public TimeSpan ShutdownGrace { get; set; } = TimeSpan.FromSeconds(20);

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

    /// <summary>
    /// Changes the reconciler's settings beyond those derived from these options (retry and requeue timings, the
    /// marker prefix, …) when an operator author embeds the controller; not bound from configuration.
    /// </summary>
    public Action<ReconcilerOptions>? ConfigureReconciler { get; set; }

    /// <summary>The Lease's name: <c>vvp-operator-</c> and the identity.</summary>
    public string LeaseName => $"vvp-operator-{Identity}";

    /// <summary>Checks every setting and says which one is wrong and why.</summary>
    /// <exception cref="ArgumentException">A setting is invalid.</exception>
    public void Validate()
    {
        ToReconcilerOptions().Validate();
        if (!VvpDeploymentValidator.IsDns1123Label(Identity) || LeaseName.Length > 253)
        {
            throw new ArgumentException($"vvp.k8sOperator.identity '{Identity}' must be a DNS-1123 label (lowercase letters, digits and '-'): it names the leader-election Lease.");
        }

        if (string.IsNullOrWhiteSpace(HolderIdentity))
        {
            throw new ArgumentException("VvpOperatorOptions.HolderIdentity must not be empty (set POD_NAME).");
        }

        if (LeaseNamespace is { } ns && !VvpDeploymentValidator.IsDns1123Label(ns))
        {
            throw new ArgumentException($"VvpOperatorOptions.LeaseNamespace '{ns}' is not a Kubernetes namespace name.");
        }

        if (Workers < 1)
        {
            throw new ArgumentException($"VvpOperatorOptions.Workers must be at least 1 (it is {Workers}).");
        }

        if (RetryPeriod <= TimeSpan.Zero || RenewDeadline <= RetryPeriod || LeaseDuration <= RenewDeadline || LeaseDuration.TotalSeconds < 1)
        {
            throw new ArgumentException(
                $"Leader election needs 0 < RetryPeriod ({RetryPeriod}) < RenewDeadline ({RenewDeadline}) < LeaseDuration ({LeaseDuration}), and a LeaseDuration of at least 1 s: work must stop before the lease can lapse.");
        }

        foreach (var (name, value) in new[] { ("ResyncPeriod", ResyncPeriod), ("ShutdownGrace", ShutdownGrace), ("KubernetesCallTimeout", KubernetesCallTimeout), ("WatchTimeout", WatchTimeout), ("RetryBaseDelay", RetryBaseDelay), ("RetryMaxDelay", RetryMaxDelay), ("EventRefill", EventRefill) })
        {
            if (value <= TimeSpan.Zero)
            {
                throw new ArgumentException($"VvpOperatorOptions.{name} must be positive (it is {value}).");
            }
        }

        if (EventBurst < 1)
        {
            throw new ArgumentException($"VvpOperatorOptions.EventBurst must be at least 1 (it is {EventBurst}).");
        }
    }

    /// <summary>The reconciler settings these imply (identity, watched namespaces, authentication, deletion policy).</summary>
    /// <returns>New reconciler options.</returns>
    public ReconcilerOptions ToReconcilerOptions()
    {
        var options = new ReconcilerOptions { Identity = Identity, AuthenticationRequired = AuthenticationRequired, DeletionPolicy = DeletionPolicy };
        foreach (var ns in WatchedNamespaces)
        {
            options.WatchedNamespaces.Add(ns);
        }

        ConfigureReconciler?.Invoke(options);
        return options;
    }
}
