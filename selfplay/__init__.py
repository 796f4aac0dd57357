"""go-engine's learning loop: game records, the Gymnasium env, self-play workers and trainers.

Importing this package imports nothing heavy (no torch, no gymnasium): import the submodule you
need. ``import selfplay.env`` registers the Gymnasium id ``go_engine/Go-v0``;
``selfplay.records`` reads and writes SGF files.

=================  ==========================================================================
module             content
=================  ==========================================================================
``config``         ``SelfPlayConfig``, ``TrainConfig``, root ``Config`` (AlphaGo Zero pipeline)
``game``           one game, pure: ``selfplay_game`` (with samples), ``play_game`` (two players)
``worker``         self-play worker processes / Ray actors writing games as they finish
``records``        SGF game records on disk: read, written atomically, loaded by the folder
``shards``         training shards (``.npz`` per game) and the window reader
``loop``           the AlphaGo Zero loop: self-play -> training -> evaluation, Elo table
``zero``           AlphaGo Zero trainer on the shards of a run folder
``elo``            Bradley-Terry Elo fit; ``wilson_interval`` (95% score interval)
``gtp_client``     ``GtpClient``: a GTP engine subprocess with per-request timeouts (no torch)
``expert_data``    GNU Go self-play SGF data over GTP; rollout-policy fitting and files
``lee_data``       position datasets for the AlphaGo Lee nets
``train_common``   shared pieces of the AlphaGo Lee trainers: metric log, lr, state, JSON
``sl`` ``rl``      AlphaGo Lee SL policy p_sigma, RL policy p_rho (REINFORCE)
``value``          AlphaGo Lee value net v_theta
``env``            ``GoEnv`` (Gymnasium), registered as ``go_engine/Go-v0``
``rl_common``      shared pieces of the DQN/A3C trainers: env spec, nets, checkpoints, logging
``replay``         prioritized replay (sum tree) and n-step returns for DQN
``dqn`` ``a3c``    Double/dueling DQN trainer; A3C/A2C actor-critic trainer
``opponents``      opponents from spec strings (random, heuristic, nets, pool, ``GtpPlayer``)
``rl_eval``        win rates of RL checkpoints against opponents, learning curves
=================  ==========================================================================

Files are written with ``nets.fileio.atomic_write`` (temp file, fsync, ``os.replace``).
"""
