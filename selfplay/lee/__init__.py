"""The AlphaGo Lee pipeline.

Position datasets, the SL and RL policy trainers, the value trainer and its search-labelled data.
"""
