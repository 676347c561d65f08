using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;

namespace Mindstack.Platform.Storage;

/// <summary>
/// A query compiled with <c>EF.CompileAsyncQuery</c> once per database model. EF refuses to run a
/// compiled query against another model than the one it first ran with, and one process can hold
/// several: the model depends on the provider (SQLite's UTC converters) and on the modules a host
/// composes (the test hosts and the in-process CLI compose different sets). The model is the key,
/// held weakly, so a host's model that goes away takes its compiled queries with it.
/// </summary>
public sealed class CompiledQuery<TQuery>(Func<TQuery> compile) where TQuery : class
{
    private readonly ConditionalWeakTable<IModel, TQuery> _byModel = new();

    /// <summary>The query compiled for <paramref name="context"/>'s model (compiled on its first use).</summary>
    public TQuery For(DbContext context) => _byModel.GetValue(context.Model, _ => compile());
}
