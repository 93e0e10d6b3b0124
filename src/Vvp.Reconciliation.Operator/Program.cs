using Vvp.Reconciliation.Operator;

return await OperatorHost.RunAsync(args).ConfigureAwait(false);
